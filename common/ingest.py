"""The preamble the public ingest endpoints share: the rate limit, the body, the schema.

POST /api/errors, /api/telemetry/batch and /api/feedback are common.api.PublicApi views (no
session, so no CSRF; anyone may post). Each request is rate-limited first, then its body is
refused when it is over the endpoint's MAX_BODY_BYTES, before it is read.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from common.api import ApiError, read_json_body, refuse_declared_oversize
from common.ratelimit import rate_limit_request


def ingest_admit(request, *, scope: str, config: dict) -> None:
    """Refuse a request over the `scope` rate limit (429) or one that declares a body over
    config["MAX_BODY_BYTES"] (413), before its body is read."""
    rate_limit_request(request, scope=scope, config=config)
    refuse_declared_oversize(request, max_bytes=config["MAX_BODY_BYTES"])


def ingest_object_read(request, *, scope: str, config: dict, refusal: str) -> dict:
    """Return the request's body, a JSON object, once rate-limited and size-checked as
    ingest_admit does; any other JSON document is refused (400) with the sentence `refusal`."""
    rate_limit_request(request, scope=scope, config=config)
    body = read_json_body(request, max_bytes=config["MAX_BODY_BYTES"])
    if not isinstance(body, dict):
        raise ApiError(refusal)
    return body


def ingest_schema(*, operation_id: str, request, responses: dict, refused: str, too_large: str):
    """Return the OpenAPI description of a public ingest endpoint's POST: no authentication,
    the optional client key (projects.selectors.ingest_project_id), its `responses`, and its
    400 (`refused`), 401/403 (key), 413 (`too_large`) and 429 answers."""
    key = "A client key's public key: it says the project; none for the default project."
    return extend_schema(
        operation_id=operation_id,
        request=request,
        parameters=[
            OpenApiParameter(
                "X-Telemetry-Key", str, OpenApiParameter.HEADER, required=False, description=key
            ),
            OpenApiParameter(
                "key",
                str,
                OpenApiParameter.QUERY,
                required=False,
                description=key + " (sendBeacon)",
            ),
        ],
        responses={
            **responses,
            400: OpenApiResponse(description=refused),
            401: OpenApiResponse(description="Unknown key."),
            403: OpenApiResponse(description="Disabled key."),
            413: OpenApiResponse(description=too_large),
            429: OpenApiResponse(description="Rate limit exceeded; see Retry-After."),
        },
        auth=[],
    )
