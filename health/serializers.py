"""The shapes of the health API, for the OpenAPI document."""

from rest_framework import serializers

from health.models import HealthStatus


class _ComponentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=HealthStatus.choices)
    latencyMs = serializers.FloatField(allow_null=True)
    error = serializers.CharField(required=False, help_text="Why the probe failed.")


class _BrokerSerializer(_ComponentSerializer):
    transport = serializers.CharField(help_text="redis, amqp, filesystem…")


class _UptimeSerializer(serializers.Serializer):
    hours = serializers.IntegerField()
    minutes = serializers.IntegerField(help_text="Total minutes, as in the seed.")
    seconds = serializers.IntegerField()
    formatted = serializers.CharField(help_text='"24h 0m 0s"')


class _SessionsSerializer(serializers.Serializer):
    active = serializers.IntegerField(allow_null=True)
    windowMinutes = serializers.IntegerField()


class _ErrorRateSerializer(serializers.Serializer):
    errors = serializers.IntegerField(allow_null=True)
    totalEvents = serializers.IntegerField(allow_null=True)
    rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    windowHours = serializers.IntegerField()
    status = serializers.ChoiceField(choices=HealthStatus.choices)


class _CriticalErrorsSerializer(serializers.Serializer):
    open = serializers.IntegerField(allow_null=True, help_text="Unresolved critical errors.")


class _AlertGivenUpSerializer(serializers.Serializer):
    kind = serializers.CharField()
    channel = serializers.CharField(help_text="webhook or email")
    lastError = serializers.CharField()
    at = serializers.DateTimeField()


class _AlertsSerializer(serializers.Serializer):
    waiting = serializers.IntegerField(
        allow_null=True, help_text="Deliveries not made yet (first try or a retry pending)."
    )
    givenUp = serializers.IntegerField(
        allow_null=True, help_text="Deliveries given up within the window; degraded when any."
    )
    windowHours = serializers.IntegerField()
    latestGivenUp = _AlertGivenUpSerializer(allow_null=True)


class _MemorySerializer(serializers.Serializer):
    rssMB = serializers.FloatField(allow_null=True)
    peakRssMB = serializers.FloatField()


class _SentrySerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class _PeriodicCheckSerializer(serializers.Serializer):
    lastRunAt = serializers.DateTimeField(allow_null=True)
    ageMinutes = serializers.IntegerField(allow_null=True)
    expected = serializers.BooleanField()
    stale = serializers.BooleanField(help_text="No check for 15 minutes: beat is down.")


class HealthDocumentSerializer(serializers.Serializer):
    """The extended health document (the seed's shape plus cache, broker and timings)."""

    status = serializers.ChoiceField(choices=HealthStatus.choices)
    timestamp = serializers.DateTimeField()
    version = serializers.CharField()
    commit = serializers.CharField()
    uptime = _UptimeSerializer()
    database = _ComponentSerializer()
    cache = _ComponentSerializer()
    broker = _BrokerSerializer()
    sessions = _SessionsSerializer()
    errorRate = _ErrorRateSerializer()
    criticalErrors = _CriticalErrorsSerializer()
    alerts = _AlertsSerializer()
    memory = _MemorySerializer()
    sentry = _SentrySerializer()
    periodicCheck = _PeriodicCheckSerializer()
    reasons = serializers.ListField(child=serializers.CharField())
    timings = serializers.DictField(child=serializers.FloatField(), help_text="Milliseconds.")


class HealthCronResultSerializer(HealthDocumentSerializer):
    """The document of a stored check."""

    snapshotId = serializers.IntegerField(allow_null=True)
