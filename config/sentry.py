"""The service's own errors to Sentry (production with SENTRY_DSN): sampling, tags, scrubbing.

Errors are sampled at 100 %, traces at SENTRY_TRACES_SAMPLE_RATE. Every event is tagged with
`buildId` and `environment`, and `before_send` scrubs it with the same rules as stored data
(common/privacy.py): user IDs hashed, e-mail/username/IP dropped, secrets masked in messages,
exception values, request data, headers, local variables and breadcrumbs.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from common.privacy import hash_identifier, scrub_data, scrub_text, scrub_url


def sentry_init(
    *, dsn: str, environment: str, traces_sample_rate: float, build_id: str, release: str
) -> None:
    """Start reporting the service's own errors and traces to the Sentry project at `dsn`."""
    tags = {"buildId": build_id or "unknown", "environment": environment}

    def before_send(event, hint):
        return sentry_event_scrub(event, tags=tags)

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        sample_rate=1.0,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,
        before_send_transaction=before_send,
    )


def sentry_event_scrub(event: dict, *, tags: dict) -> dict:
    """Return `event` tagged with `tags`, its user ID hashed and its secrets scrubbed."""
    event["tags"] = {**(event.get("tags") or {}), **tags}
    user = event.get("user")
    if user:
        user_id = user.get("id")
        event["user"] = {"id": hash_identifier(str(user_id))} if user_id else {}
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    logentry = event.get("logentry") or {}
    for key in ("message", "formatted"):
        if isinstance(logentry.get(key), str):
            logentry[key] = scrub_text(logentry[key])
    if "params" in logentry:
        logentry["params"] = scrub_data(logentry["params"])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_text(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            if "vars" in frame:
                frame["vars"] = scrub_data(frame["vars"])
    request = event.get("request")
    if request:
        if isinstance(request.get("url"), str):
            request["url"] = scrub_url(request["url"])
        request.pop("query_string", None)
        request.pop("cookies", None)
        for key in ("headers", "data", "env"):
            if key in request:
                request[key] = scrub_data(request[key])
    for key in ("extra", "contexts"):
        if key in event:
            event[key] = scrub_data(event[key])
    breadcrumbs = event.get("breadcrumbs") or {}
    for crumb in breadcrumbs.get("values") or []:
        if isinstance(crumb.get("message"), str):
            crumb["message"] = scrub_text(crumb["message"])
        if "data" in crumb:
            crumb["data"] = scrub_data(crumb["data"])
    return event
