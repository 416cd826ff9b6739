"""Reads of projects: which project a request is for."""

from rest_framework import status as http_status

from common.api import ApiError
from errors.sentry.auth import public_key_is_well_formed
from errors.sentry.selectors import client_key_find
from projects.models import DEFAULT_PROJECT_ID

KEY_HEADER = "X-Telemetry-Key"
KEY_PARAMETER = "key"


def ingest_project_id(request) -> int:
    """Return the ID of the project a public ingestion request sends to: its client key's
    (header X-Telemetry-Key, else query parameter `key`, for sendBeacon), else the default
    project. An unknown or malformed key is refused with 401, a disabled one with 403."""
    key = request.headers.get(KEY_HEADER) or request.GET.get(KEY_PARAMETER) or ""
    if not key:
        return DEFAULT_PROJECT_ID
    # A key with a NUL byte or a surrogate must not reach the database, which refuses it.
    client_key = client_key_find(public_key=key) if public_key_is_well_formed(key) else None
    if client_key is None:
        raise ApiError(
            f"This key is not known here: send a client key's public key (32 hexadecimal "
            f"digits, as `manage.py dsn` prints it) in {KEY_HEADER} or ?{KEY_PARAMETER}=, or "
            "none for the default project.",
            status_code=http_status.HTTP_401_UNAUTHORIZED,
        )
    if not client_key.active:
        raise ApiError("This key is disabled.", status_code=http_status.HTTP_403_FORBIDDEN)
    return client_key.project_id
