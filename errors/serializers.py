"""The shapes of the errors API: what a client may send and what staff get back."""

from rest_framework import serializers

from common.serializers import (
    CamelCaseSerializer,
    IsoDateTimeField,
    MetadataField,
    dataclass_from_camel_case,
)
from errors.ingest import ErrorReportInput
from errors.models import SETTABLE_STATUSES, ErrorStatus, Severity

MAX_LIST_LIMIT = 200


class ErrorReportSerializer(serializers.Serializer):
    """One error report (POST /api/errors), in camelCase; optional fields may be null, as the
    README's schema allows."""

    errorType = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=10_000, trim_whitespace=False)
    stack = serializers.CharField(
        max_length=64_000, required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    page = serializers.CharField(max_length=2048, required=False, allow_blank=True, allow_null=True)
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, allow_null=True, default=Severity.ERROR
    )
    userId = serializers.CharField(
        max_length=128, required=False, allow_blank=True, allow_null=True
    )
    sessionId = serializers.CharField(
        max_length=128, required=False, allow_blank=True, allow_null=True
    )
    buildId = serializers.CharField(
        max_length=128, required=False, allow_blank=True, allow_null=True
    )
    environment = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True
    )
    userAgent = serializers.CharField(
        max_length=1024, required=False, allow_blank=True, allow_null=True
    )
    metadata = MetadataField(required=False, allow_null=True)
    fingerprint = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Groups every report with the same value together, replacing the rules.",
    )

    def to_internal_value(self, data):
        # Clients send "Critical" or "ERROR"; the stored vocabulary is lower-case.
        if isinstance(data, dict) and isinstance(data.get("severity"), str):
            data = {**data, "severity": data["severity"].lower()}
        return super().to_internal_value(data)


def error_report_input(data: dict) -> ErrorReportInput:
    """Return the report that the validated data of ErrorReportSerializer describes."""
    return dataclass_from_camel_case(ErrorReportInput, data)


class ErrorReportResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    errorId = serializers.CharField()
    duplicate = serializers.BooleanField()


# sortBy values of GET /api/errors and the order of errors.selectors.error_group_page each means.
SORT_BY = {"frequency": "frequency", "lastSeen": "last_seen", "createdAt": "first_seen"}


class ErrorListQuerySerializer(serializers.Serializer):
    """The query parameters of GET /api/errors."""

    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIST_LIMIT, default=50)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ErrorStatus.choices, required=False)
    environment = serializers.CharField(max_length=64, required=False)
    sortBy = serializers.ChoiceField(choices=list(SORT_BY), default="frequency")
    project = serializers.CharField(
        max_length=50, required=False, help_text="A project's slug: only its errors."
    )


class ReportContextSerializer(CamelCaseSerializer):
    """The context of a report, as a group (its latest) and an occurrence show it."""

    page = serializers.CharField()
    userAgent = serializers.CharField()
    userId = serializers.CharField()
    sessionId = serializers.CharField()
    buildId = serializers.CharField()
    environment = serializers.CharField()


class ErrorLogSerializer(ReportContextSerializer):
    """One error group as staff see it in lists."""

    leading_fields = ("id", "fingerprint", "errorType", "message", "stack")

    id = serializers.CharField()
    fingerprint = serializers.CharField()
    errorType = serializers.CharField()
    message = serializers.CharField()
    stack = serializers.CharField()
    severity = serializers.CharField()
    frequency = serializers.IntegerField()
    usersAffected = serializers.IntegerField()
    firstSeen = serializers.DateTimeField()
    lastSeen = serializers.DateTimeField()
    status = serializers.CharField()
    resolved = serializers.BooleanField()
    resolvedAt = serializers.DateTimeField()
    resolvedInBuild = serializers.CharField()
    regressedAt = serializers.DateTimeField()
    metadata = serializers.JSONField()
    project = serializers.CharField(source="project.slug", help_text="The project's slug.")


class ErrorListResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ErrorLogSerializer(many=True)


class ErrorOccurrenceSerializer(ReportContextSerializer):
    """One report of a group, with its own context."""

    leading_fields = ("message", "severity")

    message = serializers.CharField()
    severity = serializers.CharField()
    metadata = serializers.JSONField()
    createdAt = serializers.DateTimeField()


class HourlyCountSerializer(serializers.Serializer):
    hour = serializers.DateTimeField()
    count = serializers.IntegerField()


class ErrorDetailSerializer(ErrorLogSerializer):
    """One group with its latest occurrences and its hourly trend (last 48 hours)."""

    occurrences = ErrorOccurrenceSerializer(many=True)
    hourly = HourlyCountSerializer(many=True)


class ErrorUpdateSerializer(serializers.Serializer):
    """PATCH /api/errors/<id>: a new `status`, or `resolved` true/false."""

    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in SETTABLE_STATUSES], required=False
    )
    resolved = serializers.BooleanField(required=False)

    def validate(self, attrs):
        status, resolved = attrs.get("status"), attrs.get("resolved")
        if status is None and resolved is None:
            raise serializers.ValidationError("Send a status or resolved.")
        if status is not None and resolved is not None and resolved != (status == "resolved"):
            raise serializers.ValidationError(
                f'resolved={str(resolved).lower()} contradicts status "{status}".'
            )
        if status is None:
            attrs["status"] = ErrorStatus.RESOLVED if resolved else ErrorStatus.ACKNOWLEDGED
        return attrs


class ErrorAlertSerializer(CamelCaseSerializer):
    """The payload of an error's alert (new critical error, regression, spike)."""

    errorId = serializers.CharField(source="pk")
    project = serializers.CharField(source="project.slug")
    errorType = serializers.CharField()
    message = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    frequency = serializers.IntegerField()
    usersAffected = serializers.IntegerField()
    firstSeen = IsoDateTimeField()
    lastSeen = IsoDateTimeField()
    buildId = serializers.CharField()
    environment = serializers.CharField()
    resolvedInBuild = serializers.CharField()
