"""Error groups (ErrorLog), their occurrences, affected users and hourly counts."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Value, When
from django.utils import timezone

from projects.models import project_foreign_key


class Severity(models.TextChoices):
    """Severity levels, most severe first; a group keeps the highest it has seen."""

    CRITICAL = "critical", "Critical"
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


# Higher is more severe; the upsert keeps a group's highest.
SEVERITY_RANK = {
    Severity.INFO: 1,
    Severity.WARNING: 2,
    Severity.ERROR: 3,
    Severity.CRITICAL: 4,
}


def severity_rank_expression() -> Case:
    """Return the SQL expression ranking a group's severity (SEVERITY_RANK, 0 if unknown).

    The severity sort orders by exactly this expression so the index built on it serves it.
    """
    return Case(
        *(When(severity=value, then=Value(rank)) for value, rank in SEVERITY_RANK.items()),
        default=Value(0),
    )


class ErrorStatus(models.TextChoices):
    """Triage workflow: new → acknowledged → resolved / ignored; the service sets regressed."""

    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    IGNORED = "ignored", "Ignored"
    REGRESSED = "regressed", "Regressed"


# The statuses a person may set; `new` is where groups start and `regressed` is set by reports.
SETTABLE_STATUSES = (ErrorStatus.ACKNOWLEDGED, ErrorStatus.RESOLVED, ErrorStatus.IGNORED)


class ReportContext(models.Model):
    """The context a report carries: an occurrence keeps its own, a group its latest report's
    (and its highest severity)."""

    page = models.CharField(max_length=512, blank=True, default="")
    user_agent = models.CharField(max_length=512, blank=True, default="")
    user_id = models.CharField(max_length=128, blank=True, default="")
    session_id = models.CharField(max_length=128, blank=True, default="")
    build_id = models.CharField(max_length=128, blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.ERROR)
    metadata = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True


class ErrorLog(ReportContext):
    """One error group: every report with the same fingerprint adds to it.

    The context fields (page, user, session, build, environment, user agent, metadata) hold
    the latest report's values; each report's own context is an ErrorOccurrence.
    """

    project = project_foreign_key(
        help_text="Grouping is per project: the same error in two projects is two groups."
    )
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the grouping key.")
    error_type = models.CharField(max_length=200)
    message = models.TextField(help_text="The first report's message, scrubbed.")
    stack = models.TextField(blank=True, default="")
    # Counted by the digest from the group's occurrences: 0 until its first report is counted.
    frequency = models.PositiveBigIntegerField(default=0)
    users_affected = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=ErrorStatus.choices, default=ErrorStatus.NEW)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_in_build = models.CharField(
        max_length=128, blank=True, default="", help_text="The latest build seen at resolution."
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    regressed_at = models.DateTimeField(null=True, blank=True)
    last_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "error"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fingerprint"], name="errorlog_project_fingerprint_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(resolved=True, status="resolved")
                | (models.Q(resolved=False) & ~models.Q(status="resolved")),
                name="errorlog_resolved_matches_status",
            ),
        ]
        indexes = [
            # GET /api/errors?sortBy=lastSeen and the retention purge (last_seen < cutoff).
            models.Index(fields=["-last_seen"], name="errorlog_last_seen_idx"),
            # GET /api/errors?sortBy=frequency (the default triage order).
            models.Index(fields=["-frequency"], name="errorlog_frequency_idx"),
            # GET /api/errors?status=… and error_open_critical_count (severity + status).
            models.Index(fields=["severity", "status"], name="errorlog_severity_status_idx"),
            # /admin/errors/?sort=severity: most severe first, then most recent.
            models.Index(
                severity_rank_expression().desc(),
                models.F("last_seen").desc(),
                models.F("id").desc(),
                name="errorlog_severity_rank_idx",
            ),
            # /admin/errors/?sort=createdAt, GET /api/errors?sortBy=createdAt and the ErrorLog
            # changelist sorted by first seen.
            models.Index(fields=["-first_seen"], name="errorlog_first_seen_idx"),
        ]

    def __str__(self):
        return f"{self.error_type}: {self.message[:80]}"


class ErrorStatusChange(models.Model):
    """One status change of an error group, from the admin or PATCH /api/errors/<id>."""

    error = models.ForeignKey(ErrorLog, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=ErrorStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The error page's status history, newest first (error_status_history).
            models.Index(fields=["error", "-created_at"], name="errorstatus_error_created_idx"),
        ]

    def __str__(self):
        return f"{self.error_id} → {self.status} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class ErrorOccurrence(ReportContext):
    """One report of an error group, with the context the reporter sent."""

    # No index of its own: erroroccurrence_error_idx (error, -created_at) serves lookups by
    # group and the cascade on delete, and every report pays for each index it writes.
    error = models.ForeignKey(
        ErrorLog, on_delete=models.CASCADE, related_name="occurrences", db_index=False
    )
    message = models.TextField(help_text="This report's message, scrubbed.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # error_occurrence_count_since (the health error rate) and the retention purge.
            models.Index(fields=["created_at"], name="erroroccurrence_created_idx"),
            # The latest occurrences of one group (GET /api/errors/<id>).
            models.Index(fields=["error", "-created_at"], name="erroroccurrence_error_idx"),
        ]

    def __str__(self):
        return f"{self.error_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class PendingOccurrence(models.Model):
    """An occurrence its group's counters do not count yet: written in the same statement as the
    occurrence, deleted by the digest (errors.digest) in the transaction that counts it."""

    occurrence = models.OneToOneField(
        ErrorOccurrence, on_delete=models.CASCADE, related_name="pending"
    )

    def __str__(self):
        return f"occurrence {self.occurrence_id} not counted yet"


class ErrorAffectedUser(models.Model):
    """A user (ID as stored, e-mails hashed) who hit an error group; counts distinct users."""

    error = models.ForeignKey(ErrorLog, on_delete=models.CASCADE, related_name="affected_users")
    user_id = models.CharField(max_length=128)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["error", "user_id"], name="erroruser_error_user_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} on {self.error_id}"


class ErrorHourlyCount(models.Model):
    """How many reports a group received in one hour (UTC): its trend line and spike baseline."""

    error = models.ForeignKey(ErrorLog, on_delete=models.CASCADE, related_name="hourly_counts")
    hour = models.DateTimeField(help_text="Start of the hour, UTC.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Also serves the trend line and spike baseline: one group's hours in a range.
            models.UniqueConstraint(fields=["error", "hour"], name="errorhourly_error_hour_unique"),
        ]
        indexes = [
            # The retention purge (hour < cutoff).
            models.Index(fields=["hour"], name="errorhourly_hour_idx"),
        ]

    def __str__(self):
        return f"{self.error_id} {self.hour:%Y-%m-%d %H}:00 {self.count}"


def public_key_new() -> str:
    """Return a fresh random public key: 32 hexadecimal digits, as Sentry DSNs carry."""
    return uuid.uuid4().hex


class ClientKey(models.Model):
    """A key clients send (in a Sentry DSN, or X-Telemetry-Key) to send to their project."""

    project = project_foreign_key(
        help_text="Where what this key sends goes; its ID is the DSN's project.",
        related_name="client_keys",
    )
    name = models.CharField(max_length=100, help_text="Which client uses this key.")
    public_key = models.CharField(max_length=32, default=public_key_new, editable=False)
    active = models.BooleanField(default=True, help_text="Inactive keys are refused with 403.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="errors_clientkey_project_name_unique"
            ),
            # Its index serves the key lookup of every Sentry request.
            models.UniqueConstraint(
                fields=["public_key"], name="errors_clientkey_public_key_unique"
            ),
        ]
        ordering = ["name"]

    def __str__(self):
        return self.name


class SentryEventLink(models.Model):
    """The error group a Sentry event landed in, so feedback naming the event finds it."""

    event_id = models.CharField(max_length=32, help_text="The SDK's event ID (32 hex digits).")
    error = models.ForeignKey(ErrorLog, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Its index serves the lookup of feedback items by associated event ID.
            models.UniqueConstraint(fields=["event_id"], name="errors_sentryevent_id_unique"),
        ]
        indexes = [
            # The retention purge (created_at < cutoff).
            models.Index(fields=["created_at"], name="errors_sentryevent_created_idx"),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.error_id}"
