"""Raw telemetry events as browsers and REST clients send them."""

from django.db import models
from django.utils import timezone

from projects.models import project_foreign_key

_PROJECT_HELP = "Whose events these are (the client key's project; `self` for the service's own)."


def _project():
    return project_foreign_key(help_text=_PROJECT_HELP, constraint=False)


class EventType(models.TextChoices):
    """The built-in event taxonomy; TELEMETRY["EXTRA_EVENT_TYPES"] may allow more."""

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

    project = _project()
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


class TelemetryAggregate(models.Model):
    """Events of one hour with the same type, page and device type: counts and duration totals.

    Kept current from raw events by the `telemetry.rollup` Celery task (`aggregate_telemetry`
    rebuilds a window) and kept indefinitely, so metrics outlive the raw events' retention.
    `hour` is the start of the UTC hour.
    """

    project = _project()
    hour = models.DateTimeField()
    type = models.CharField(max_length=40)
    page = models.CharField(max_length=512, blank=True, default="")
    device_type = models.CharField(max_length=16, blank=True, default="")
    count = models.BigIntegerField(default=0)
    duration_count = models.BigIntegerField(default=0, help_text="Events with a duration.")
    duration_sum = models.BigIntegerField(default=0, help_text="Milliseconds.")

    class Meta:
        constraints = [
            # Its index (project, then hour) also serves the metrics read over a window of hours.
            models.UniqueConstraint(
                fields=["project", "hour", "type", "page", "device_type"],
                name="telemetry_aggregate_unique",
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.page} {self.device_type} at {self.hour:%Y-%m-%d %H}:00"


class TelemetryDurationAggregate(models.Model):
    """The durations of one hour's events of one type, as a mergeable log-bucket histogram.

    `histogram` maps a bucket index to a count (see telemetry.sketches): summing the maps of
    any set of hours gives their p50/p95/p99 within 1 % relative error.
    """

    project = _project()
    hour = models.DateTimeField()
    type = models.CharField(max_length=40)
    count = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0, help_text="Sum of the durations, milliseconds.")
    maximum = models.BigIntegerField(default=0, help_text="Milliseconds.")
    histogram = models.JSONField(default=dict)

    class Meta:
        constraints = [
            # Its index (project, then hour) also serves the percentile read over a window of hours.
            models.UniqueConstraint(
                fields=["project", "hour", "type"], name="telemetry_duration_agg_unique"
            ),
        ]

    def __str__(self):
        return f"{self.type} durations at {self.hour:%Y-%m-%d %H}:00"


class TelemetryDailyAggregate(models.Model):
    """The hourly roll-ups of one UTC day summed: what metrics over whole days read.

    The row of the current day covers its events up to the roll-up watermark.
    """

    project = _project()
    day = models.DateField()
    type = models.CharField(max_length=40)
    page = models.CharField(max_length=512, blank=True, default="")
    device_type = models.CharField(max_length=16, blank=True, default="")
    count = models.BigIntegerField(default=0)
    duration_count = models.BigIntegerField(default=0)
    duration_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # Its index (project, then day) also serves the metrics read over a window of days.
            models.UniqueConstraint(
                fields=["project", "day", "type", "page", "device_type"],
                name="telemetry_daily_agg_unique",
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.page} {self.device_type} on {self.day}"


class TelemetryDailyDurationAggregate(models.Model):
    """The hourly duration histograms of one UTC day merged (see TelemetryDurationAggregate)."""

    project = _project()
    day = models.DateField()
    type = models.CharField(max_length=40)
    count = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    maximum = models.BigIntegerField(default=0)
    histogram = models.JSONField(default=dict)

    class Meta:
        constraints = [
            # Its index (project, then day) also serves the percentile read over a window of days.
            models.UniqueConstraint(
                fields=["project", "day", "type"], name="telemetry_daily_dur_unique"
            ),
        ]

    def __str__(self):
        return f"{self.type} durations on {self.day}"


class UniqueKind(models.TextChoices):
    SESSION = "session", "Session"
    USER = "user", "User"


ANY_TYPE = "*"


class TelemetryDailyUnique(models.Model):
    """One session or user seen on one UTC day, in events of one type or of any type (`*`).

    The ID is stored as a 64-bit hash, so counting distinct IDs over a window of days is
    exact up to hash collisions (about 3 in 100 million for a million IDs).
    """

    # The key's index serves the count of distinct IDs of one kind and type over a range of days.
    pk = models.CompositePrimaryKey("project_id", "kind", "type", "day", "value_hash")
    project = _project()
    kind = models.CharField(max_length=8, choices=UniqueKind.choices)
    type = models.CharField(max_length=40, help_text='An event type, or "*" for any type.')
    day = models.DateField()
    value_hash = models.BigIntegerField()

    def __str__(self):
        return f"{self.kind} {self.value_hash} on {self.day} ({self.type})"


class TelemetryDailySketch(models.Model):
    """A HyperLogLog sketch of the day's set of sessions or users of one type (or `*`).

    Windows with more distinct IDs than TELEMETRY["EXACT_UNIQUE_LIMIT"] are counted by merging
    sketches (standard error 0.81 %) instead of reading every ID.
    """

    project = _project()
    kind = models.CharField(max_length=8, choices=UniqueKind.choices)
    type = models.CharField(max_length=40)
    day = models.DateField()
    distinct_count = models.BigIntegerField(help_text="Exact count of the day's IDs.")
    registers = models.BinaryField()

    class Meta:
        constraints = [
            # Its index also serves the read of a kind's sketches over a range of days.
            models.UniqueConstraint(
                fields=["project", "kind", "type", "day"], name="telemetry_daily_sketch_unique"
            ),
        ]

    def __str__(self):
        return f"{self.kind} sketch of {self.day} ({self.type})"


class TelemetryRollupState(models.Model):
    """The single row that says which events the roll-ups hold.

    The roll-ups hold exactly the events stamped before `rolled_up_until` whose id is at most
    `last_event_id`; metrics read every other event raw. Locking this row also keeps two
    roll-up runs from overlapping.
    """

    rolled_up_until = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(
        default=0, help_text="The highest event id visible when the last run started."
    )

    def __str__(self):
        return f"rolled up until {self.rolled_up_until}"
