"""Raw telemetry events as browsers and REST clients send them (seed: TelemetryEvent)."""

from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    """The seed's event taxonomy; TELEMETRY["EXTRA_EVENT_TYPES"] may allow more."""

    PAGE_VIEW = "page_view", "Page view"
    ACTION = "action", "Action"
    ERROR = "error", "Error"
    API_CALL = "api_call", "API call"
    SESSION_START = "session_start", "Session start"
    SESSION_END = "session_end", "Session end"
    USER_LOGIN = "user_login", "User login"
    FEEDBACK_SUBMITTED = "feedback_submitted", "Feedback submitted"
    REFERRAL_COMPLETED = "referral_completed", "Referral completed"


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    BOT = "bot", "Bot"


class TelemetryEvent(models.Model):
    """One event; kept TELEMETRY_RETENTION_DAYS, then only its hourly roll-up remains."""

    type = models.CharField(max_length=40)
    page = models.CharField(max_length=512, blank=True, default="")
    action = models.CharField(max_length=200, blank=True, default="")
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="Milliseconds.")
    metadata = models.JSONField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    platform = models.CharField(max_length=40, blank=True, default="")
    session_id = models.CharField(max_length=128, blank=True, default="")
    user_id = models.CharField(max_length=128, blank=True, default="")
    anonymous_id = models.CharField(max_length=128, blank=True, default="")
    device_type = models.CharField(max_length=16, blank=True, default="")
    region = models.CharField(max_length=64, blank=True, default="")
    client_timestamp = models.DateTimeField(
        null=True, blank=True, help_text="When the client says the event happened."
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="When the service got it.")

    class Meta:
        indexes = [
            # Metrics over a time window (totals, by day, by page) and the retention purge.
            models.Index(fields=["created_at"], name="telemetry_created_idx"),
            # Metrics filtered by type in a window (?type=api_call) and the error-rate probe.
            models.Index(fields=["type", "created_at"], name="telemetry_type_created_idx"),
        ]

    def __str__(self):
        return f"{self.type} {self.page or ''} at {self.created_at:%Y-%m-%d %H:%M:%S}"
