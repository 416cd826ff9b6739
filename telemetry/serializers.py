"""The shapes of the telemetry API: what a client may send and what it gets back."""

from django.conf import settings
from rest_framework import serializers

from common.serializers import CamelCaseSerializer, IsoDateTimeField, MetadataField
from telemetry.models import DeviceType, EventType

MAX_DURATION_MS = 24 * 60 * 60 * 1000


def allowed_event_types() -> list[str]:
    """Return the event types the service records: the built-in taxonomy plus the configured."""
    return list(EventType.values) + list(settings.TELEMETRY["EXTRA_EVENT_TYPES"])


class EventTypeField(serializers.ChoiceField):
    """A ChoiceField whose choices follow the settings at validation time."""

    def __init__(self, **kwargs):
        super().__init__(choices=EventType.choices, **kwargs)

    def to_internal_value(self, data):
        if data not in allowed_event_types():
            self.fail("invalid_choice", input=data)
        return data


class TelemetryEventSerializer(serializers.Serializer):
    """One event of a batch, in the API's camelCase; every field but `type` is optional."""

    type = EventTypeField()
    page = serializers.CharField(max_length=2048, required=False, allow_blank=True)
    action = serializers.CharField(max_length=200, required=False, allow_blank=True)
    duration = serializers.IntegerField(
        min_value=0, max_value=MAX_DURATION_MS, required=False, allow_null=True
    )
    metadata = MetadataField(required=False, allow_null=True)
    userAgent = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    platform = serializers.CharField(max_length=40, required=False, allow_blank=True)
    sessionId = serializers.CharField(max_length=128, required=False, allow_blank=True)
    userId = serializers.CharField(max_length=128, required=False, allow_blank=True)
    anonymousId = serializers.CharField(max_length=128, required=False, allow_blank=True)
    deviceType = serializers.ChoiceField(
        choices=DeviceType.choices, required=False, allow_blank=True
    )
    region = serializers.CharField(max_length=64, required=False, allow_blank=True)
    timestamp = serializers.DateTimeField(required=False, allow_null=True)

    def to_internal_value(self, data):
        # Clients send "Mobile" or "DESKTOP"; the stored vocabulary is lower-case.
        if isinstance(data, dict) and isinstance(data.get("deviceType"), str):
            data = {**data, "deviceType": data["deviceType"].lower()}
        return super().to_internal_value(data)


class TelemetryBatchSerializer(serializers.Serializer):
    """The batch document; each event is validated on its own so good ones are kept."""

    events = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=100, help_text="1 to 100 events."
    )


class EventErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    errors = serializers.DictField()


class TelemetryBatchResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    recorded = serializers.IntegerField()
    failed = serializers.IntegerField()
    total = serializers.IntegerField()
    errors = EventErrorSerializer(many=True)
    disabled = serializers.BooleanField(required=False)


def validate_events(events: list) -> tuple[list[dict], list[dict]]:
    """Validate each event on its own; return the valid data and the errors by batch index."""
    valid, errors = [], []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            errors.append({"index": index, "errors": {"event": ["Must be a JSON object."]}})
            continue
        serializer = TelemetryEventSerializer(data=event)
        if serializer.is_valid():
            valid.append(serializer.validated_data)
        else:
            errors.append({"index": index, "errors": serializer.errors})
    return valid, errors


class TelemetryMetricsQuerySerializer(serializers.Serializer):
    """The query of GET /api/telemetry: a window of 1 to 365 days, an optional type and project."""

    days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        default=7,
        error_messages={
            "invalid": "must be a whole number from 1 to 365.",
            "min_value": "must be a whole number from 1 to 365.",
            "max_value": "must be a whole number from 1 to 365.",
        },
    )
    type = EventTypeField(required=False, help_text="Only events of this type.")
    project = serializers.CharField(
        max_length=50,
        required=False,
        help_text=(
            "A project's slug: only its events (`self`: the service's own api_call events). "
            "Without it, every project you can see but `self`."
        ),
    )


class TopPageSerializer(serializers.Serializer):
    page = serializers.CharField()
    count = serializers.IntegerField()


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class ApiCallMetricsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    p50 = serializers.FloatField(source="durations.p50", allow_null=True)
    p95 = serializers.FloatField(source="durations.p95", allow_null=True)
    p99 = serializers.FloatField(source="durations.p99", allow_null=True)
    avg = serializers.FloatField(allow_null=True)


class TelemetryMetricsSerializer(CamelCaseSerializer):
    """The answer of GET /api/telemetry (durations in milliseconds, within 1 %)."""

    days = serializers.IntegerField()
    type = serializers.CharField(source="event_type", allow_null=True)
    windowStart = IsoDateTimeField(help_text="Midnight UTC of the first day.")
    generatedAt = IsoDateTimeField()
    rolledUpUntil = IsoDateTimeField(allow_null=True)
    totalEvents = serializers.IntegerField()
    uniqueSessions = serializers.IntegerField()
    uniqueUsers = serializers.IntegerField()
    byType = serializers.DictField(child=serializers.IntegerField())
    byDay = DayCountSerializer(many=True)
    topPages = TopPageSerializer(many=True)
    byDeviceType = serializers.DictField(child=serializers.IntegerField())
    p50 = serializers.FloatField(source="durations.p50", allow_null=True)
    p95 = serializers.FloatField(source="durations.p95", allow_null=True)
    p99 = serializers.FloatField(source="durations.p99", allow_null=True)
    apiCalls = ApiCallMetricsSerializer()


class ApiCallQuantilesSerializer(serializers.Serializer):
    p50 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    p95 = serializers.ListField(child=serializers.FloatField(allow_null=True))
    p99 = serializers.ListField(child=serializers.FloatField(allow_null=True))


class TelemetrySeriesSerializer(CamelCaseSerializer):
    """The metrics dashboard's charts: counts by type and `api_call` quantiles per bucket."""

    bucket = serializers.CharField()
    labels = serializers.ListField(child=IsoDateTimeField())
    byType = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))
    apiCalls = ApiCallQuantilesSerializer()
