"""The health API's JSON: a health.services.HealthReport rendered as the health document."""

from datetime import datetime

from rest_framework import serializers

from common.serializers import CamelCaseKeysField, CamelCaseSerializer, IsoDateTimeField
from health.models import HealthStatus


def iso_milliseconds(moment: datetime) -> str:
    """Return `moment` (in UTC) as ISO 8601 to the millisecond with a Z: the document's times."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _MillisecondsDateTimeField(serializers.DateTimeField):
    def to_representation(self, value):
        return iso_milliseconds(value)


class _ComponentSerializer(serializers.Serializer):
    # What a part is, or why it failed, appears only where the probe says it.
    _OPTIONAL = ("error", "backend", "transport")

    status = serializers.ChoiceField(choices=HealthStatus.choices)
    latencyMs = serializers.FloatField(source="latency_ms", allow_null=True)
    error = serializers.CharField(required=False, help_text="Why the probe failed.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in self._OPTIONAL:
            if name in data and data[name] is None:
                del data[name]
        return data


class _CacheSerializer(_ComponentSerializer):
    backend = serializers.CharField(required=False, help_text="The cache backend's class.")


class _BrokerSerializer(_ComponentSerializer):
    transport = serializers.CharField(help_text="redis, amqp, filesystem…")


class _UptimeSerializer(serializers.Serializer):
    hours = serializers.IntegerField()
    minutes = serializers.IntegerField(help_text="Total minutes.")
    seconds = serializers.IntegerField()
    formatted = serializers.CharField(help_text='"24h 0m 0s"')


class _SessionsSerializer(serializers.Serializer):
    active = serializers.IntegerField(allow_null=True)
    windowMinutes = serializers.IntegerField(source="window_minutes")


class _ErrorRateSerializer(serializers.Serializer):
    errors = serializers.IntegerField(allow_null=True)
    totalEvents = serializers.IntegerField(source="total_events", allow_null=True)
    rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    windowHours = serializers.IntegerField(source="window_hours")
    status = serializers.ChoiceField(choices=HealthStatus.choices)


class _CriticalErrorsSerializer(serializers.Serializer):
    open = serializers.IntegerField(
        source="open_critical_errors", allow_null=True, help_text="Unresolved critical errors."
    )


class _AlertGivenUpSerializer(serializers.Serializer):
    kind = serializers.CharField()
    channel = serializers.CharField(help_text="webhook or email")
    lastError = serializers.CharField(source="last_error")
    at = IsoDateTimeField()


class _AlertsSerializer(serializers.Serializer):
    waiting = serializers.IntegerField(
        allow_null=True, help_text="Deliveries not made yet (first try or a retry pending)."
    )
    givenUp = serializers.IntegerField(
        source="given_up",
        allow_null=True,
        help_text="Deliveries given up within the window; degraded when any.",
    )
    windowHours = serializers.IntegerField(source="window_hours")
    latestGivenUp = _AlertGivenUpSerializer(source="latest_given_up", allow_null=True)


class _MemorySerializer(serializers.Serializer):
    rssMB = serializers.FloatField(source="rss_mb", allow_null=True)
    peakRssMB = serializers.FloatField(source="peak_rss_mb")


class _SentrySerializer(serializers.Serializer):
    enabled = serializers.BooleanField(source="sentry_enabled")


class _PeriodicCheckSerializer(serializers.Serializer):
    lastRunAt = _MillisecondsDateTimeField(source="last_run_at", allow_null=True)
    ageMinutes = serializers.IntegerField(source="age_minutes", allow_null=True)
    expected = serializers.BooleanField()
    stale = serializers.BooleanField(help_text="No check for 15 minutes: beat is down.")


class HealthDocumentSerializer(serializers.Serializer):
    """The extended health document: overall status, each part's figures, reasons, timings."""

    status = serializers.ChoiceField(choices=HealthStatus.choices)
    timestamp = _MillisecondsDateTimeField(source="checked_at")
    version = serializers.CharField()
    commit = serializers.CharField()
    uptime = _UptimeSerializer()
    database = _ComponentSerializer()
    cache = _CacheSerializer()
    broker = _BrokerSerializer()
    sessions = _SessionsSerializer()
    errorRate = _ErrorRateSerializer(source="error_rate")
    criticalErrors = _CriticalErrorsSerializer(source="*")
    alerts = _AlertsSerializer()
    memory = _MemorySerializer()
    sentry = _SentrySerializer(source="*")
    periodicCheck = _PeriodicCheckSerializer(source="periodic_check")
    reasons = serializers.ListField(child=serializers.CharField())
    timings = CamelCaseKeysField(child=serializers.FloatField(), help_text="Milliseconds.")


class HealthCronResultSerializer(HealthDocumentSerializer):
    """The document of a stored check; `snapshotId` is null when it could not be stored."""

    snapshotId = serializers.IntegerField(source="snapshot_id", allow_null=True)


class HealthAlertSerializer(CamelCaseSerializer):
    """The payload of a health status change's alert."""

    status = serializers.CharField()
    previousStatus = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    checkedAt = IsoDateTimeField()
    snapshotId = serializers.IntegerField()
    health = serializers.JSONField()


class ProjectHealthSerializer(serializers.Serializer):
    """One project's active sessions and error rate (GET /api/health/projects)."""

    project = serializers.CharField(source="project.slug", help_text="The project's slug.")
    name = serializers.CharField(source="project.name")
    sessions = _SessionsSerializer()
    errorRate = _ErrorRateSerializer(source="error_rate")


class ProjectHealthListSerializer(serializers.Serializer):
    projects = ProjectHealthSerializer(many=True)


class ProjectHealthQuerySerializer(serializers.Serializer):
    project = serializers.CharField(
        max_length=50,
        required=False,
        help_text="A project's slug: only it. Without it, every project you can see.",
    )
