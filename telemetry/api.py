"""HTTP API of the telemetry app."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, PublicApi
from common.ingest import ingest_object_read, ingest_schema
from projects.selectors import project_ids_for_read
from telemetry.selectors import telemetry_metrics
from telemetry.serializers import (
    TelemetryBatchResultSerializer,
    TelemetryBatchSerializer,
    TelemetryMetricsQuerySerializer,
    TelemetryMetricsSerializer,
)
from telemetry.services import event_batch_record
from telemetry.validation import events_validate

_NO_EVENTS_LIST = 'The body must be a JSON object with an "events" list.'


def recording_enabled() -> bool:
    """Return whether telemetry is recorded (ENABLE_ANALYTICS / TELEMETRY_ENABLED)."""
    return bool(settings.TELEMETRY["ENABLED"])


class TelemetryBatchRecordApi(PublicApi):
    """Record a batch of 1 to 100 events; valid events are stored even when others are not."""

    @ingest_schema(
        operation_id="telemetry_batch_record",
        request=TelemetryBatchSerializer,
        responses={200: TelemetryBatchResultSerializer},
        refused="Body not JSON, no events list, 0 or >100 events.",
        too_large="Body over 1 MiB.",
    )
    def post(self, request):
        config = settings.TELEMETRY
        project_id, body = ingest_object_read(
            request, scope="telemetry-batch", config=config, refusal=_NO_EVENTS_LIST
        )
        events = body.get("events")
        if not isinstance(events, list):
            raise ApiError(_NO_EVENTS_LIST)
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
            events=valid,
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
            project_id=project_id,
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
            400: OpenApiResponse(
                description="days not 1 to 365, an unknown type, or no such project you can see."
            ),
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
            project_ids=project_ids_for_read(
                user=request.user, slug=query.validated_data.get("project")
            ),
        )
        return Response(TelemetryMetricsSerializer(metrics).data)
