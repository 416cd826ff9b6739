"""HTTP API of the errors app."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, client_address
from common.ratelimit import rate_limit_hit
from errors.models import ClientKey
from errors.sentry.auth import public_key_find
from errors.sentry.decompress import body_read
from errors.sentry.envelope import envelope_parse
from errors.sentry.selectors import client_key_find
from errors.sentry.services import sentry_envelope_ingest, sentry_store_ingest

_SENTRY_RESPONSES = {
    200: OpenApiResponse(description='Accepted: `{"id": "<event id>"}`.'),
    400: OpenApiResponse(description="Malformed body, envelope or event JSON."),
    401: OpenApiResponse(description="No key, or a key this service does not know."),
    403: OpenApiResponse(description="A disabled key, or a key of another project."),
    413: OpenApiResponse(
        description="Over the cap once decompressed (event 1 MiB, envelope 20 MiB)."
    ),
    415: OpenApiResponse(description="A Content-Encoding other than gzip, deflate or br."),
    429: OpenApiResponse(
        description="Rate limit exceeded; see Retry-After and X-Sentry-Rate-Limits."
    ),
}


def _sentry_rate_limit(request) -> None:
    config = settings.SENTRY_INGEST
    try:
        rate_limit_hit(
            scope="sentry-ingest",
            client=client_address(request),
            limit=config["RATE_LIMIT_REQUESTS"],
            window_seconds=config["RATE_LIMIT_WINDOW_SECONDS"],
        )
    except ApiError as error:
        # Sentry SDKs back off on this header: empty categories mean every kind of data.
        error.headers["X-Sentry-Rate-Limits"] = f"{error.headers['Retry-After']}::key"
        raise


def _sentry_body(request, *, max_bytes: int, what: str) -> bytes:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        raise ApiError("The Content-Length header is not a number.")
    if int(declared) > max_bytes:
        raise ApiError(
            f"The {what} is larger than {max_bytes} bytes.",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            details={"maxBytes": max_bytes},
        )
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
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    client_key = client_key_find(public_key=public_key[:64])
    if client_key is None:
        raise ApiError("This Sentry key is not known here.", status_code=401)
    if not client_key.active:
        raise ApiError("This Sentry key is disabled.", status_code=status.HTTP_403_FORBIDDEN)
    if client_key.pk != project_id:
        raise ApiError(
            f"This Sentry key belongs to project {client_key.pk}, not {project_id}; "
            "copy the DSN again.",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    return client_key


class SentryEnvelopeIngestApi(APIView):
    """Accept a Sentry envelope: its events become error occurrences, other items are dropped."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="sentry_envelope_ingest",
        request={"application/x-sentry-envelope": bytes},
        responses=_SENTRY_RESPONSES,
        auth=[],
    )
    def post(self, request, project_id: int):
        _sentry_rate_limit(request)
        config = settings.SENTRY_INGEST
        body = _sentry_body(request, max_bytes=config["MAX_ENVELOPE_BYTES"], what="envelope")
        envelope = envelope_parse(body)
        dsn = envelope.headers.get("dsn")
        client_key = _sentry_client_key(
            request, project_id=project_id, envelope_dsn=dsn if isinstance(dsn, str) else ""
        )
        event_id = sentry_envelope_ingest(
            envelope=envelope,
            client_key=client_key,
            max_event_bytes=config["MAX_EVENT_BYTES"],
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response({"id": event_id})


class SentryStoreIngestApi(APIView):
    """Accept one Sentry event as JSON (the store endpoint of older SDKs)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="sentry_store_ingest",
        request={"application/json": dict},
        responses=_SENTRY_RESPONSES,
        auth=[],
    )
    def post(self, request, project_id: int):
        _sentry_rate_limit(request)
        client_key = _sentry_client_key(request, project_id=project_id)
        body = _sentry_body(
            request, max_bytes=settings.SENTRY_INGEST["MAX_EVENT_BYTES"], what="event"
        )
        event_id = sentry_store_ingest(
            body=body,
            client_key=client_key,
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response({"id": event_id})
