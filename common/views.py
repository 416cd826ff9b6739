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


def _malformed_answers() -> dict:
    """Return, per exception Django raises for a malformed request, the sentence, status and
    details of its answer under /api/."""
    fields, files = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, settings.DATA_UPLOAD_MAX_NUMBER_FILES
    memory = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {
        TooManyFieldsSent: (f"The form has more than {fields} fields.", 400, {"maxFields": fields}),
        TooManyFilesSent: (
            f"The form has more than {files} file parts.",
            400,
            {"maxFiles": files},
        ),
        RequestDataTooBig: (
            f"The request body is larger than {memory} bytes.",
            413,
            {"maxBytes": memory},
        ),
        DisallowedHost: ("The Host header names a host this service does not answer for.", 400, {}),
    }


def bad_request(request, exception=None):
    """Answer a request Django refused as malformed (too many form fields or file parts, a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE, a Host that is not allowed): the error shape under /api/,
    Django's page otherwise."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    sentence, status_code, details = _malformed_answers().get(
        type(exception), ("The request is malformed.", 400, {})
    )
    return error_json_response(sentence, status_code=status_code, details=details)


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
