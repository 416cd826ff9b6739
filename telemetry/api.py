"""HTTP API of the telemetry app."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, read_json_body
from common.ratelimit import rate_limit_request
from telemetry.selectors import telemetry_metrics
from telemetry.serializers import (
    TelemetryBatchResultSerializer,
    TelemetryBatchSerializer,
    TelemetryMetricsQuerySerializer,
    TelemetryMetricsSerializer,
)
from telemetry.services import NewEvent, event_batch_record
from telemetry.validation import events_validate


def recording_enabled() -> bool:
    """Return whether telemetry is recorded (ENABLE_ANALYTICS / TELEMETRY_ENABLED)."""
    return bool(settings.TELEMETRY["ENABLED"])


def _new_event(data: dict) -> NewEvent:
    """Return one validated camelCase event as the service's value."""
    return NewEvent(
        type=data["type"],
        page=data.get("page") or "",
        action=data.get("action") or "",
        duration=data.get("duration"),
        metadata=data.get("metadata"),
        user_agent=data.get("userAgent") or "",
        platform=data.get("platform") or "",
        session_id=data.get("sessionId") or "",
        user_id=data.get("userId") or "",
        anonymous_id=data.get("anonymousId") or "",
        device_type=data.get("deviceType") or "",
        region=data.get("region") or "",
        timestamp=data.get("timestamp"),
    )


class TelemetryBatchRecordApi(APIView):
    """Record a batch of 1 to 100 events; valid events are stored even when others are not."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="telemetry_batch_record",
        request=TelemetryBatchSerializer,
        responses={
            200: TelemetryBatchResultSerializer,
            400: OpenApiResponse(description="Body not JSON, no events list, 0 or >100 events."),
            413: OpenApiResponse(description="Body over 1 MiB."),
            429: OpenApiResponse(description="Rate limit exceeded; see Retry-After."),
        },
        auth=[],
    )
    def post(self, request):
        config = settings.TELEMETRY
        rate_limit_request(request, scope="telemetry-batch", config=config)
        body = read_json_body(request, max_bytes=config["MAX_BODY_BYTES"])
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            raise ApiError('The body must be a JSON object with an "events" list.')
        if not events:
            raise ApiError("The batch is empty; send 1 to 100 events.")
        if len(events) > config["MAX_BATCH_EVENTS"]:
            raise ApiError(
                f"The batch has {len(events)} events; send at most "
                f"{config['MAX_BATCH_EVENTS']} per request.",
                details={"maxEvents": config["MAX_BATCH_EVENTS"]},
            )
        if not recording_enabled():
            return Response(
                {
                    "success": True,
                    "recorded": 0,
                    "failed": 0,
                    "total": len(events),
                    "errors": [],
                    "disabled": True,
                }
            )

        valid, errors = events_validate(events=events)
        recorded = event_batch_record(
            events=[_new_event(data) for data in valid],
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(
            {
                "success": True,
                "recorded": recorded,
                "failed": len(errors),
                "total": recorded + len(errors),
                "errors": errors,
            }
        )


class TelemetryMetricsApi(APIView):
    """Answer the aggregated metrics of the last `days` days to staff (session or token)."""

    @extend_schema(
        operation_id="telemetry_metrics",
        parameters=[TelemetryMetricsQuerySerializer],
        responses={
            200: TelemetryMetricsSerializer,
            400: OpenApiResponse(description="days not 1 to 365, or an unknown type."),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not staff."),
        },
    )
    def get(self, request):
        query = TelemetryMetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        metrics = telemetry_metrics(
            days=query.validated_data["days"],
            event_type=query.validated_data.get("type") or None,
        )
        return Response(TelemetryMetricsSerializer(metrics).data)
