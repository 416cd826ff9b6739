"""Project middleware: refusals of input no view could use, the Content-Security-Policy of the
service's own HTML pages (Django 5.2 has none), the answer to a request body that never
arrives in full, and the staff-only middleware that public ingestion skips.

Pages show text that clients sent (error messages, feedback, pages, user agents); the policy
makes sure that text can never run as script: scripts, styles and everything else load from
this origin only, and no inline script, inline handler or style attribute is obeyed.
"""

import re
from functools import wraps

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks
from django.http import HttpResponse, HttpResponseBadRequest, UnreadablePostError
from django.middleware.csrf import CsrfViewMiddleware

from common.api import error_json_response

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Send CONTENT_SECURITY_POLICY with every HTML response that has no policy of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        content_type = response.get("Content-Type", "")
        if policy and HEADER not in response and content_type.startswith("text/html"):
            response[HEADER] = policy
        return response


def content_security_policy(policy: str):
    """Decorate a view so its responses carry `policy` instead of the project's."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response[HEADER] = policy
            return response

        return wrapped

    return decorator


class UnreadableBodyMiddleware:
    """Answer 408 when a view could not read the request body: it did not arrive before the
    server's deadline (config/gunicorn_worker.py), or the client went away while sending it."""

    message = "The request body did not arrive in time; the connection is closed."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UnreadablePostError):
            return None
        if request.path.startswith("/api/"):
            return error_json_response(self.message, status_code=408)
        return HttpResponse(self.message, status=408, content_type="text/plain")


# Longer than any search, URL or ID a page or endpoint takes, and short enough for every
# database to match with LIKE (SQLite refuses patterns over 50,000 bytes).
MAX_QUERY_VALUE_LENGTH = 8192
_HAS_A_NUL = "contains a NUL byte (%00), which no stored value can contain"


class UnusableQueryParameterMiddleware:
    """Answer 400 to a request whose query string holds a NUL byte or a value over
    MAX_QUERY_VALUE_LENGTH characters, naming the parameter.

    No stored value contains U+0000 (PostgreSQL text cannot hold it), so such a parameter can
    match nothing; and no page or endpoint takes a value that long, which a search box would
    hand to the database as a LIKE pattern. Refused here, neither reaches a filter, a search or
    a lookup as a database error. Under /api/ the answer is in the API's error shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or len(query) > MAX_QUERY_VALUE_LENGTH:
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return self._refusal(request, name, _HAS_A_NUL)
                if any(len(value) > MAX_QUERY_VALUE_LENGTH for value in values):
                    return self._refusal(
                        request, name, f"is over {MAX_QUERY_VALUE_LENGTH:,} characters long"
                    )
        return self.get_response(request)

    @staticmethod
    def _refusal(request, name: str, problem: str):
        shown = name.replace("\x00", "")[:40]
        sentence = f"The query parameter “{shown}” {problem}; remove it and try again."
        if request.path.startswith("/api/"):
            return error_json_response(sentence, status_code=400, details={"parameter": shown})
        return HttpResponseBadRequest(sentence, content_type="text/plain; charset=utf-8")


# What browsers, apps and SDKs POST: error reports, telemetry batches, bug reports and Sentry
# envelopes and store requests (their URLs in */urls.py).
_PUBLIC_INGEST_PATH = re.compile(
    r"/api/(?:errors|telemetry/batch|feedback|[0-9]+/envelope/|[0-9]+/store/)\Z"
)


def is_public_ingest(request) -> bool:
    """Return whether `request` is a public ingestion POST: no session, login, CSRF token or
    message is read or written for it (its view is a PublicApi, which authenticates no one)."""
    return request.method == "POST" and _PUBLIC_INGEST_PATH.match(request.path_info) is not None


def _staff_only(middleware):
    """Return a subclass of `middleware` that lets public ingestion requests pass untouched:
    during an error storm every report would otherwise pay for sessions, users, messages and
    CSRF cookies it never uses. Staff pages and the staff API get `middleware` as it is."""

    def __call__(self, request):
        if is_public_ingest(request):
            return self.get_response(request)
        return middleware.__call__(self, request)

    namespace = {"__call__": __call__, "__doc__": f"{middleware.__name__}, but for ingestion."}
    if hasattr(middleware, "process_view"):

        def process_view(self, request, view, args, kwargs):
            if is_public_ingest(request):
                return None
            return middleware.process_view(self, request, view, args, kwargs)

        namespace["process_view"] = process_view
    return type(f"StaffOnly{middleware.__name__}", (middleware,), namespace)


StaffOnlySessionMiddleware = _staff_only(SessionMiddleware)
StaffOnlyCsrfViewMiddleware = _staff_only(CsrfViewMiddleware)
StaffOnlyAuthenticationMiddleware = _staff_only(AuthenticationMiddleware)
StaffOnlyMessageMiddleware = _staff_only(MessageMiddleware)


@checks.register(checks.Tags.security, deploy=True)
def csrf_middleware_check(app_configs, **kwargs):
    """Warn, as Django's security.W003 would (silenced in settings: it looks for Django's own
    class by name), when no CSRF middleware is in MIDDLEWARE."""
    names = {
        "django.middleware.csrf.CsrfViewMiddleware",
        "common.middleware.StaffOnlyCsrfViewMiddleware",
    }
    if names.isdisjoint(settings.MIDDLEWARE):
        return [
            checks.Warning(
                "No CSRF middleware is in MIDDLEWARE: staff forms are not protected.",
                hint="Add common.middleware.StaffOnlyCsrfViewMiddleware.",
                id="common.W003",
            )
        ]
    return []
