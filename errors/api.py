"""HTTP API of the errors app: public reporting, staff triage."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status as http_status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, client_address, read_json_body
from common.ratelimit import rate_limit_hit
from errors.selectors import (
    error_get,
    error_hourly_counts,
    error_list,
    error_recent_occurrences,
)
from errors.serializers import (
    ErrorDetailSerializer,
    ErrorListQuerySerializer,
    ErrorListResultSerializer,
    ErrorLogSerializer,
    ErrorOccurrenceSerializer,
    ErrorReportResultSerializer,
    ErrorReportSerializer,
    ErrorUpdateSerializer,
    HourlyCountSerializer,
)
from errors.services import error_report, error_set_status

STAFF_ERRORS = {
    401: OpenApiResponse(description="No credentials (token or staff session)."),
    403: OpenApiResponse(description="Not staff."),
}


class ErrorReportApi(APIView):
    """Record one error report, grouped with earlier reports of the same error."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="error_report",
        request=ErrorReportSerializer,
        responses={
            201: ErrorReportResultSerializer,
            200: OpenApiResponse(ErrorReportResultSerializer, "A known error: duplicate true."),
            400: OpenApiResponse(description="Body not JSON or a field is invalid."),
            413: OpenApiResponse(description="Body over 256 KiB."),
            429: OpenApiResponse(description="Rate limit exceeded; see Retry-After."),
        },
        auth=[],
    )
    def post(self, request):
        config = settings.ERRORS
        rate_limit_hit(
            scope="errors-report",
            client=client_address(request),
            limit=config["RATE_LIMIT_REQUESTS"],
            window_seconds=config["RATE_LIMIT_WINDOW_SECONDS"],
        )
        body = read_json_body(request, max_bytes=config["MAX_BODY_BYTES"])
        if not isinstance(body, dict):
            raise ApiError("The body must be a JSON object describing one error.")
        serializer = ErrorReportSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        error, created = error_report(
            payload=serializer.validated_data,
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(
            {"success": True, "errorId": str(error.pk), "duplicate": not created},
            status=http_status.HTTP_201_CREATED if created else http_status.HTTP_200_OK,
        )


class ErrorListApi(APIView):
    """List error groups for triage, filtered and sorted."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="error_list",
        parameters=[ErrorListQuerySerializer],
        responses={200: ErrorListResultSerializer, **STAFF_ERRORS},
    )
    def get(self, request):
        query = ErrorListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        errors = error_list(
            severity=params.get("severity"),
            resolved=params.get("resolved"),
            status=params.get("status"),
            environment=params.get("environment"),
            sort_by=params["sortBy"],
        )
        return Response(
            {
                "count": errors.count(),
                "results": ErrorLogSerializer(errors[: params["limit"]], many=True).data,
            }
        )


class ErrorCollectionApi(ErrorReportApi, ErrorListApi):
    """Route /api/errors: POST reports (public, no session so no CSRF), GET lists (staff)."""

    def get_authenticators(self):
        if self._is_report():
            return []
        return [authenticator() for authenticator in APIView.authentication_classes]

    def get_permissions(self):
        if self._is_report():
            return [AllowAny()]
        return [IsAdminUser()]

    def _is_report(self) -> bool:
        # The schema generator asks without a request; it reads POST's auth from extend_schema.
        return getattr(self.request, "method", None) == "POST"


def _error_or_404(error_id: int):
    error = error_get(error_id=error_id)
    if error is None:
        raise ApiError(f"There is no error with id {error_id}.", status_code=404)
    return error


def _detail(error) -> dict:
    data = ErrorLogSerializer(error).data
    occurrences = error_recent_occurrences(error=error)
    data["occurrences"] = ErrorOccurrenceSerializer(occurrences, many=True).data
    data["hourly"] = HourlyCountSerializer(error_hourly_counts(error=error), many=True).data
    return data


class ErrorDetailApi(APIView):
    """Show one error group with its latest occurrences and hourly trend."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="error_detail",
        responses={200: ErrorDetailSerializer, 404: OpenApiResponse(), **STAFF_ERRORS},
    )
    def get(self, request, error_id: int):
        return Response(_detail(_error_or_404(error_id)))


class ErrorUpdateApi(APIView):
    """Change an error group's triage status (acknowledge, resolve, ignore, reopen)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="error_update",
        request=ErrorUpdateSerializer,
        responses={
            200: ErrorDetailSerializer,
            400: OpenApiResponse(),
            404: OpenApiResponse(),
            **STAFF_ERRORS,
        },
    )
    def patch(self, request, error_id: int):
        error = _error_or_404(error_id)
        serializer = ErrorUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        error = error_set_status(
            error=error, status=serializer.validated_data["status"], by=request.user
        )
        return Response(_detail(error))


class ErrorItemApi(ErrorDetailApi, ErrorUpdateApi):
    """Route /api/errors/<id>: GET shows, PATCH changes the status (both staff)."""
