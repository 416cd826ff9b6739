"""Alert deliveries: the outbox of alerts, one row per alert and channel.

A row is written when an alert is decided (in the transaction of what caused it), so an alert
survives a broker outage and a receiver outage alike; delivery tries it, retries it with
backoff, and gives it up visibly after ALERTS["MAX_ATTEMPTS"] tries.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from common.models import choices_constraint
from projects.models import Project


class AlertChannel(models.TextChoices):
    """Where an alert goes: its project's webhook receiver or e-mail addresses (else the
    ALERT_WEBHOOK_URL receiver or the ALERT_EMAILS addresses)."""

    WEBHOOK = "webhook", "Webhook"
    EMAIL = "email", "E-mail"


class AlertDeliveryStatus(models.TextChoices):
    """Where a delivery stands: not tried yet, failed and due again, done, or given up."""

    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Given up"


class AlertDelivery(models.Model):
    """One alert to one channel, with every attempt's outcome."""

    kind = models.CharField(
        max_length=64, help_text="error.new_critical, error.regression, health.status_changed…"
    )
    title = models.CharField(max_length=300)
    payload = models.JSONField(
        encoder=DjangoJSONEncoder, help_text="The JSON details sent with the title."
    )
    channel = models.CharField(max_length=16, choices=AlertChannel.choices)
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The project the alert is about, whose alert routing it follows; empty for the "
        "service's own alerts (health), which go where the settings say.",
    )
    status = models.CharField(
        max_length=16, choices=AlertDeliveryStatus.choices, default=AlertDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is tried next; empty once sent or given up."
    )
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was sent or given up."
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "alert deliveries"
        constraints = [
            choices_constraint("status", AlertDeliveryStatus, name="alert_delivery_status_valid"),
            choices_constraint("channel", AlertChannel, name="alert_delivery_channel_valid"),
        ]
        indexes = [
            # The due deliveries (the periodic catch-up): only unfinished rows are indexed.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(next_attempt_at__isnull=False),
                name="alert_delivery_due_idx",
            ),
            # The admin list by time, retention purge, given-up counts in the health document.
            models.Index(fields=["created_at"], name="alert_delivery_created_idx"),
        ]

    def __str__(self):
        return f"{self.kind} by {self.channel}: {self.status}"
