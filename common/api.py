"""The one error shape of the API and the helpers every public endpoint shares.

Every error answer is `{"success": false, "error": "<sentence>", "details": {...}}` with a 4xx
status. Views raise `ApiError`; DRF's own exceptions are mapped here too.
"""

import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from common.json_input import json_parse

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the service refuses, with the status and the sentence the client sees."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 400,
        details: dict | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.details = details or {}
        self.headers = headers or {}


class PublicApi(APIView):
    """An endpoint anyone may call, without a session (so without CSRF)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def error_body(message: str, details: dict | None = None) -> dict:
    """Return the error document for `message`."""
    return {"success": False, "error": message, "details": details or {}}


def error_json_response(message: str, *, status_code: int, details: dict | None = None):
    """Return a plain Django JsonResponse in the error shape (for non-DRF views)."""
    return JsonResponse(error_body(message, details), status=status_code)


_DRF_SENTENCES = {
    exceptions.NotAuthenticated: "Authentication credentials were not provided.",
    exceptions.AuthenticationFailed: "The credentials are not valid.",
    exceptions.PermissionDenied: "Staff access is required.",
    exceptions.NotFound: "Not found.",
    exceptions.MethodNotAllowed: "This method is not allowed here.",
    exceptions.ParseError: "The request body is not valid JSON.",
    exceptions.UnsupportedMediaType: "This content type is not supported.",
}


def exception_handler(exc, context):
    """Map ApiError and DRF's exceptions to the one error shape; leave the rest to DRF."""
    if isinstance(exc, ApiError):
        response = Response(error_body(exc.message, exc.details), status=exc.status_code)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"nonFieldErrors": exc.detail}
        message = "The request is not valid: " + _first_message(details)
    elif isinstance(exc, exceptions.Throttled):
        message = "Too many requests; retry later."
        details = {"retryAfter": exc.wait}
    else:
        message = _DRF_SENTENCES.get(type(exc)) or str(getattr(exc, "detail", exc))
        details = {}
    response.data = error_body(message, details)
    return response


def _first_message(details) -> str:
    """Return the first error sentence in a DRF error dict, prefixed with its field name."""
    for field, errors in details.items():
        first = errors[0] if isinstance(errors, list) and errors else errors
        if isinstance(first, dict):
            return f"{field}: {_first_message(first)}"
        return f"{field}: {first}"
    return "invalid input."


def refuse_declared_oversize(request, *, max_bytes: int, what: str = "request body") -> None:
    """Refuse with 413 a request whose Content-Length is over `max_bytes`, before reading it,
    and with 400 one whose Content-Length is not a number."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    # Not str.isdigit() alone: it accepts "²", which int() refuses.
    if not (declared.isascii() and declared.isdigit()):
        raise ApiError("The Content-Length header is not a number.")
    if len(declared) > len(str(max_bytes)) or int(declared) > max_bytes:
        raise ApiError(
            f"The {what} is larger than {max_bytes} bytes.",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            details={"maxBytes": max_bytes},
        )


def read_json_body(request, *, max_bytes: int):
    """Return the request body parsed as JSON, whatever its content type (sendBeacon sends
    text/plain), refusing bodies over `max_bytes` with 413 and non-JSON with 400."""
    refuse_declared_oversize(request, max_bytes=max_bytes)
    try:
        raw = request.body
    except RequestDataTooBig:
        raw = None
    if raw is None or len(raw) > max_bytes:
        raise ApiError(
            f"The request body is larger than {max_bytes} bytes.",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            details={"maxBytes": max_bytes},
        )
    if not raw.strip():
        raise ApiError("The request body is empty; send a JSON document.")
    try:
        return json_parse(raw)
    except ValueError as error:
        raise ApiError(
            "The request body is not valid JSON.", details={"parseError": str(error)[:200]}
        ) from None


def client_address(request) -> str:
    """Return the client's IP address for rate limiting only ("unknown" when there is none);
    it is never stored."""
    return client_ip(request) or "unknown"


def client_ip(request) -> str | None:
    """Return the client's IP address, or None when the request carries none.

    Behind reverse proxies (USE_X_FORWARDED_FOR=true) take the X-Forwarded-For entry
    TRUSTED_PROXY_COUNT places from the right: each trusted proxy appends the address it saw,
    and everything to the left of those entries is written by the client itself. A header
    with fewer entries, or an entry that is not an IP address, falls back to REMOTE_ADDR.
    """
    remote = _normalized_ip(request.META.get("REMOTE_ADDR", "")) or None
    if not settings.USE_X_FORWARDED_FOR:
        return remote
    trusted = max(1, settings.TRUSTED_PROXY_COUNT)
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < trusted:
        return remote
    return _normalized_ip(entries[-trusted]) or remote


def _normalized_ip(text: str) -> str:
    """Return `text` as a canonical IP address, or "" when it is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""
