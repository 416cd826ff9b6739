"""Project-wide error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.views import csrf, defaults

from common.api import error_json_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    """Answer a request Django refused as malformed (too many form fields or file parts, a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE, a Host that is not allowed): the error shape under /api/,
    Django's page otherwise."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, TooManyFieldsSent):
        return error_json_response(
            f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.",
            status_code=400,
            details={"maxFields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
        )
    if isinstance(exception, TooManyFilesSent):
        return error_json_response(
            f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} file parts.",
            status_code=400,
            details={"maxFiles": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
        )
    if isinstance(exception, RequestDataTooBig):
        return error_json_response(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
            status_code=413,
            details={"maxBytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        )
    if isinstance(exception, DisallowedHost):
        return error_json_response(
            "The Host header names a host this service does not answer for.",
            status_code=400,
        )
    return error_json_response("The request is malformed.", status_code=400)


def permission_denied(request, exception=None):
    """Answer 403 in the API's error shape for /api/ paths, Django's page otherwise."""
    if _is_api(request):
        return error_json_response("You may not do this here.", status_code=403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """Answer a failed CSRF check: the error shape under /api/, Django's page otherwise."""
    if _is_api(request):
        return error_json_response(
            "The CSRF check failed; send the CSRF token with this form.", status_code=403
        )
    return csrf.csrf_failure(request, reason=reason)


def api_not_found(request, exception=None):
    """Answer 404 in the API's error shape for /api/ paths, Django's page otherwise."""
    if _is_api(request):
        return error_json_response("There is no endpoint at this address.", status_code=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Answer 500 in the API's error shape for /api/ paths, Django's page otherwise."""
    if _is_api(request):
        return error_json_response("The server failed; the error was reported.", status_code=500)
    return defaults.server_error(request)
