"""HTTP API of the errors app: public reporting, staff triage."""

import dataclasses

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status as http_status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, PublicApi, refuse_declared_oversize
from common.ingest import (
    ingest_object_read,
    ingest_project_rate_check,
    ingest_rate_count,
    ingest_schema,
)
from errors.ingest import error_report
from errors.models import ClientKey
from errors.selectors import (
    error_find,
    error_group_page,
    error_hourly_counts,
    error_recent_occurrences,
)
from errors.sentry.auth import public_key_find, public_key_is_well_formed
from errors.sentry.decompress import body_read
from errors.sentry.envelope import envelope_parse
from errors.sentry.selectors import client_key_find
from errors.sentry.services import sentry_envelope_ingest, sentry_store_ingest
from errors.serializers import (
    SORT_BY,
    ErrorDetailSerializer,
    ErrorListQuerySerializer,
    ErrorListResultSerializer,
    ErrorLogSerializer,
    ErrorOccurrenceSerializer,
    ErrorReportResultSerializer,
    ErrorReportSerializer,
    ErrorUpdateSerializer,
    HourlyCountSerializer,
    error_report_input,
)
from errors.services import error_status_set
from errors.validation import report_payload
from projects.selectors import project_ids_for_read, project_ids_visible

STAFF_ERRORS = {
    401: OpenApiResponse(description="No credentials (token or staff session)."),
    403: OpenApiResponse(description="Not staff."),
}


class ErrorReportApi(PublicApi):
    """Record one error report, grouped with earlier reports of the same error."""

    @ingest_schema(
        operation_id="error_report",
        request=ErrorReportSerializer,
        responses={
            201: ErrorReportResultSerializer,
            200: OpenApiResponse(ErrorReportResultSerializer, "A known error: duplicate true."),
        },
        refused="Body not JSON or a field is invalid.",
        too_large="Body over 256 KiB.",
    )
    def post(self, request):
        project_id, body = ingest_object_read(
            request,
            scope="errors-report",
            config=settings.ERRORS,
            refusal="The body must be a JSON object describing one error.",
        )
        payload = report_payload(body)
        reported = error_report(
            report=dataclasses.replace(error_report_input(payload), project_id=project_id),
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(
            {"success": True, "errorId": str(reported.error_id), "duplicate": not reported.created},
            status=http_status.HTTP_201_CREATED if reported.created else http_status.HTTP_200_OK,
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
        status = params.get("status")
        page = error_group_page(
            severity=params.get("severity"),
            statuses=(status,) if status else None,
            resolved=params.get("resolved"),
            environment=params.get("environment"),
            order=SORT_BY[params["sortBy"]],
            limit=params["limit"],
            with_total=True,
            project_ids=project_ids_for_read(user=request.user, slug=params.get("project")),
        )
        return Response(
            {"count": page.total, "results": ErrorLogSerializer(page.errors, many=True).data}
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


def _error_or_404(error_id: int, *, user):
    # An error of a project the user may not see is answered as one that does not exist.
    error = error_find(error_id=error_id, project_ids=project_ids_visible(user=user))
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
        return Response(_detail(_error_or_404(error_id, user=request.user)))


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
        error = _error_or_404(error_id, user=request.user)
        serializer = ErrorUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = error_status_set(
            error_ids=[error.pk],
            status=serializer.validated_data["status"],
            source="through the API",
            by=request.user,
        )
        return Response(
            _detail(changed[0] if changed else _error_or_404(error_id, user=request.user))
        )


class ErrorItemApi(ErrorDetailApi, ErrorUpdateApi):
    """Route /api/errors/<id>: GET shows, PATCH changes the status (both staff)."""


_SENTRY_RESPONSES = {
    200: OpenApiResponse(description='Accepted: `{"id": "<event id>"}`.'),
    400: OpenApiResponse(
        description="Malformed body, envelope or event JSON; a second event or user report."
    ),
    401: OpenApiResponse(description="No key, or a key this service does not know."),
    403: OpenApiResponse(description="A disabled key, or a key of another project."),
    413: OpenApiResponse(
        description="Over a cap once decompressed: event 1 MiB, envelope 20 MiB or 100 items, "
        "header line 32 KiB."
    ),
    415: OpenApiResponse(description="A Content-Encoding other than gzip, deflate or br."),
    429: OpenApiResponse(
        description="Rate limit exceeded; see Retry-After and X-Sentry-Rate-Limits."
    ),
}


def _sentry_rate_limit(request, *, project_id: int) -> None:
    """Refuse (429) a request over the Sentry endpoints' rate limit or its project's own: the
    URL's project, which the key must belong to."""
    config = settings.SENTRY_INGEST
    try:
        counted = ingest_rate_count(request, scope="sentry-ingest", config=config)
        ingest_project_rate_check(counted, project_id=project_id, config=config)
    except ApiError as error:
        # Sentry SDKs back off on this header: empty categories mean every kind of data.
        error.headers["X-Sentry-Rate-Limits"] = f"{error.headers['Retry-After']}::key"
        raise


def _sentry_body(request, *, max_bytes: int, what: str) -> bytes:
    refuse_declared_oversize(request, max_bytes=max_bytes, what=what)
    return body_read(
        read=request.read,
        encoding=request.META.get("HTTP_CONTENT_ENCODING", ""),
        max_bytes=max_bytes,
        what=what,
    )


def _sentry_client_key(request, *, project_id: int, envelope_dsn: str = "") -> ClientKey:
    public_key = public_key_find(
        auth_header=request.META.get("HTTP_X_SENTRY_AUTH")
        or request.META.get("HTTP_AUTHORIZATION", ""),
        query_key=request.query_params.get("sentry_key", ""),
        envelope_dsn=envelope_dsn,
    )
    if not public_key:
        raise ApiError(
            "No Sentry key: send it in X-Sentry-Auth, ?sentry_key= or the envelope's dsn.",
            status_code=http_status.HTTP_401_UNAUTHORIZED,
        )
    # A key with a NUL byte or a surrogate must not reach the database, which refuses it.
    if not public_key_is_well_formed(public_key):
        raise ApiError(
            "This Sentry key is not well formed: a key is 32 hexadecimal digits; "
            "copy the DSN again.",
            status_code=http_status.HTTP_401_UNAUTHORIZED,
        )
    client_key = client_key_find(public_key=public_key)
    if client_key is None:
        raise ApiError("This Sentry key is not known here.", status_code=401)
    if not client_key.active:
        raise ApiError("This Sentry key is disabled.", status_code=http_status.HTTP_403_FORBIDDEN)
    if client_key.project_id != project_id:
        raise ApiError(
            f"This Sentry key belongs to project {client_key.project_id}, not {project_id}; "
            "copy the DSN again.",
            status_code=http_status.HTTP_403_FORBIDDEN,
        )
    return client_key


def _sentry_schema(*, operation_id: str, request):
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id, request=request, responses=_SENTRY_RESPONSES, auth=[]
        )
    )


class _SentryIngestApi(PublicApi):
    """The body both Sentry endpoints share: rate limit, then `ingest`, then the event id."""

    def post(self, request, project_id: int):
        _sentry_rate_limit(request, project_id=project_id)
        event_id = self.ingest(
            request,
            project_id=project_id,
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response({"id": event_id})


@_sentry_schema(
    operation_id="sentry_envelope_ingest", request={"application/x-sentry-envelope": bytes}
)
class SentryEnvelopeIngestApi(_SentryIngestApi):
    """Accept a Sentry envelope: its events become error occurrences, other items are dropped."""

    def ingest(self, request, *, project_id: int, request_user_agent: str) -> str:
        # The body is read first: the key may be in the envelope's header.
        config = settings.SENTRY_INGEST
        body = _sentry_body(request, max_bytes=config["MAX_ENVELOPE_BYTES"], what="envelope")
        envelope = envelope_parse(body)
        dsn = envelope.headers.get("dsn")
        client_key = _sentry_client_key(
            request, project_id=project_id, envelope_dsn=dsn if isinstance(dsn, str) else ""
        )
        return sentry_envelope_ingest(
            envelope=envelope,
            client_key=client_key,
            max_event_bytes=config["MAX_EVENT_BYTES"],
            request_user_agent=request_user_agent,
        )


@_sentry_schema(operation_id="sentry_store_ingest", request={"application/json": dict})
class SentryStoreIngestApi(_SentryIngestApi):
    """Accept one Sentry event as JSON (the store endpoint of older SDKs)."""

    def ingest(self, request, *, project_id: int, request_user_agent: str) -> str:
        client_key = _sentry_client_key(request, project_id=project_id)
        body = _sentry_body(
            request, max_bytes=settings.SENTRY_INGEST["MAX_EVENT_BYTES"], what="event"
        )
        return sentry_store_ingest(
            body=body, client_key=client_key, request_user_agent=request_user_agent
        )
