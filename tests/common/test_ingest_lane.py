"""Public ingestion skips the staff middleware: no session, user, messages or CSRF work for a
report, a batch, a bug report or a Sentry envelope; staff pages and the staff API keep all
of it."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common.middleware import is_public_ingest
from errors.models import ClientKey
from tests.errors.sentry_support import PUBLIC_KEY, capture_chained_error, captured_envelopes

pytestmark = pytest.mark.django_db


def _ingest_requests(project: int):
    [envelope] = captured_envelopes(capture_chained_error)
    store_event = json.dumps({"event_id": "0" * 32, "message": "Quota almost used up"})
    key = f"?sentry_key={PUBLIC_KEY}"
    return [
        ("/api/errors", json.dumps({"errorType": "E", "message": "m"}), "application/json"),
        ("/api/telemetry/batch", json.dumps({"events": [{"type": "page_view"}]}), "text/plain"),
        (
            "/api/feedback",
            json.dumps({"message": "It broke", "category": "bug"}),
            "application/json",
        ),
        (f"/api/{project}/envelope/{key}", envelope, "application/x-sentry-envelope"),
        (f"/api/{project}/store/{key}", store_event, "application/json"),
    ]


def test_ingest__a_logged_in_browser_reports_without_session_user_messages_or_csrf(staff_user):
    project = ClientKey.objects.create(name="shop", public_key=PUBLIC_KEY).project_id
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    for path, body, content_type in _ingest_requests(project):
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(path, data=body, content_type=content_type)
        assert response.status_code in (200, 201), (path, response.content)
        request = response.wsgi_request
        for attribute in ("session", "_messages"):
            assert not hasattr(request, attribute), (path, attribute)
        # DRF's anonymous user of a view that authenticates no one, not the staff member.
        assert request.user.is_anonymous, path
        assert "CSRF_COOKIE" not in request.META, path
        assert not response.cookies, path
        assert "Cookie" not in response.get("Vary", ""), path
        assert not [q for q in queries if "django_session" in q["sql"]], path


def test_ingest__staff_pages_and_the_staff_api_keep_sessions_and_csrf(staff_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    listing = browser.get("/api/errors")
    assert listing.status_code == 200
    assert listing.wsgi_request.user == staff_user
    # A staff form without its CSRF token is still refused.
    assert browser.post("/admin/logout/").status_code == 403
    assert browser.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "ingest"),
    [
        ("POST", "/api/errors", True),
        ("POST", "/api/telemetry/batch", True),
        ("POST", "/api/feedback", True),
        ("POST", "/api/12/envelope/", True),
        ("POST", "/api/12/store/", True),
        ("GET", "/api/errors", False),
        ("PATCH", "/api/errors/12", False),
        ("POST", "/api/errors/12", False),
        ("POST", "/api/errorsx", False),
        ("POST", "/api/x/envelope/", False),
        ("POST", "/admin/login/", False),
    ],
)
def test_is_public_ingest__only_the_ingestion_posts(rf, method, path, ingest):
    assert is_public_ingest(rf.generic(method, path)) is ingest
