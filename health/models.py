"""Health snapshots: the stored result of each periodic health check."""

from django.db import models
from django.utils import timezone

from common.models import choices_constraint


class HealthStatus(models.TextChoices):
    """The three states of the health document, from best to worst."""

    HEALTHY = "healthy", "Healthy"
    DEGRADED = "degraded", "Degraded"
    UNHEALTHY = "unhealthy", "Unhealthy"


class HealthSnapshot(models.Model):
    """One periodic check: its status, the headline figures and the whole document."""

    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=HealthStatus.choices)
    previous_status = models.CharField(
        max_length=16,
        choices=HealthStatus.choices,
        blank=True,
        default="",
        help_text="Status of the check before this one; empty for the first check.",
    )
    database_latency_ms = models.FloatField(null=True, blank=True)
    cache_latency_ms = models.FloatField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    total_events = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0.0, help_text="Percent of events in the last hour.")
    active_sessions = models.PositiveIntegerField(default=0)
    rss_mb = models.FloatField(null=True, blank=True)
    document = models.JSONField(help_text="The /api/health/extended document of this check.")

    class Meta:
        ordering = ("-created_at",)
        get_latest_by = "created_at"
        constraints = [
            choices_constraint("status", HealthStatus, name="health_snapshot_status_valid"),
            choices_constraint(
                "previous_status",
                HealthStatus,
                name="health_snapshot_previous_status_valid",
                blank=True,
            ),
        ]
        indexes = [
            # The latest check (status change, beat staleness), history by time, retention purge.
            models.Index(fields=["created_at"], name="health_snapshot_created_idx"),
        ]

    def __str__(self):
        return f"{self.status} at {self.created_at:%Y-%m-%d %H:%M:%S}"
