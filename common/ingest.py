"""The preamble the public ingest endpoints share: the rate limits, the body, the client key.

POST /api/errors, /api/telemetry/batch and /api/feedback are common.api.PublicApi views (no
session, so no CSRF; anyone may post). Each request is counted against the rate limit first,
then refused when it declares a body over the endpoint's MAX_BODY_BYTES, before the body is read,
then its client key says the project, whose own rate limit applies.

One counter per endpoint and client serves both limits: before the key is known the request is
held to the highest limit any project could have, so a flood of made-up keys is refused (429)
before it reaches the database; once the key says the project, to that project's own limit
(Project.rate_limit_requests, else the endpoint's RATE_LIMIT_REQUESTS).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from common.api import ApiError, client_address, read_json_body, refuse_declared_oversize
from common.ratelimit import RateCount, rate_limit_count, rate_limit_refuse_over
from projects.selectors import ingest_project_id, project_rate_limits


def ingest_rate_count(request, *, scope: str, config: dict) -> RateCount | None:
    """Count one request of the calling client in `scope`; refuse it (429) when over the
    highest rate limit any project has (config["RATE_LIMIT_REQUESTS"] or a project's own).
    Return the count for ingest_project_rate_check."""
    counted = rate_limit_count(
        scope=scope,
        client=client_address(request),
        window_seconds=config["RATE_LIMIT_WINDOW_SECONDS"],
    )
    default = config["RATE_LIMIT_REQUESTS"]
    # 0 turns the endpoint's limit off; projects' own limits still apply once the key is known.
    rate_limit_refuse_over(
        counted, limit=default and max([default, *project_rate_limits().values()])
    )
    return counted


def ingest_project_rate_check(counted: RateCount | None, *, project_id: int, config: dict) -> None:
    """Refuse (429) a request counted by ingest_rate_count when it is over the rate limit of
    project `project_id`: its own, else config["RATE_LIMIT_REQUESTS"]."""
    own = project_rate_limits().get(project_id)
    rate_limit_refuse_over(counted, limit=own or config["RATE_LIMIT_REQUESTS"])


def ingest_admit(request, *, scope: str, config: dict) -> int:
    """Admit a public ingest request before its body is read: refuse it over the rate limit
    (429), declaring a body over config["MAX_BODY_BYTES"] (413), with an unknown or disabled
    key (401/403), or over its project's own rate limit (429). Return the project's ID."""
    counted = ingest_rate_count(request, scope=scope, config=config)
    refuse_declared_oversize(request, max_bytes=config["MAX_BODY_BYTES"])
    project_id = ingest_project_id(request)
    ingest_project_rate_check(counted, project_id=project_id, config=config)
    return project_id


def ingest_object_read(request, *, scope: str, config: dict, refusal: str) -> tuple[int, dict]:
    """Admit the request as ingest_admit does; return its project's ID and its body, a JSON
    object (any other JSON document is refused with 400 and the sentence `refusal`)."""
    project_id = ingest_admit(request, scope=scope, config=config)
    body = read_json_body(request, max_bytes=config["MAX_BODY_BYTES"])
    if not isinstance(body, dict):
        raise ApiError(refusal)
    return project_id, body


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
