"""The Content-Security-Policy of the service's HTML pages, and pages that live with it."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from health.services import health_check_run
from tests.errors.factories import error_reported
from tests.factories import UserFactory
from tests.feedback.factories import FeedbackSubmissionFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/admin/",
    "/admin/errors/",
    "/admin/metrics/",
    "/admin/health/",
    "/admin/feedback/feedbacksubmission/",
    "/admin/errors/errorlog/",
]


class InlineCodeFinder(HTMLParser):
    """Collect what a strict policy refuses: inline scripts, on* handlers, style attributes and
    <style> elements."""

    def __init__(self):
        super().__init__()
        self.refused = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.refused.append("inline <script>")
        if tag == "style":
            self.refused.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.refused.append(f"{name}= on <{tag}>")
            if name == "style":
                self.refused.append(f"style= on <{tag}>: {value}")
            if name in ("href", "src") and (value or "").lower().startswith("javascript:"):
                self.refused.append(f"javascript: URL on <{tag}>")


def refused_inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.refused


@pytest.fixture
def staff_client(db):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def data_on_every_page(staff_client):
    error = error_reported(
        {
            "errorType": "TypeError",
            "message": '<img src=x onerror="alert(1)"> broke',
            "page": "/cart",
        }
    )
    health_check_run(store=True)
    feedback = FeedbackSubmissionFactory(
        message="<script>alert(1)</script>", error=error, screenshot="feedback/2026/01/shot.png"
    )
    return {
        "error": f"/admin/errors/{error.pk}/",
        "feedback": f"/admin/feedback/feedbacksubmission/{feedback.pk}/change/",
    }


def test_content_security_policy__staff_pages_and_the_demo_send_the_strict_policy(
    staff_client, data_on_every_page
):
    for path in [*STAFF_PAGES, *data_on_every_page.values()]:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy, path
        assert "style-src 'self';" in policy, path
        assert "frame-ancestors 'none'" in policy
        assert "unsafe" not in policy

    demo = Client().get("/demo/")
    login = Client().get("/admin/login/")
    assert demo["Content-Security-Policy"] == login["Content-Security-Policy"]
    assert "unsafe" not in demo["Content-Security-Policy"]


def test_content_security_policy__pages_carry_no_inline_code_the_policy_would_refuse(
    staff_client, data_on_every_page
):
    pages = {path: staff_client.get(path) for path in [*STAFF_PAGES, *data_on_every_page.values()]}
    assert 'class="screenshot-large"' in pages[data_on_every_page["feedback"]].content.decode()
    pages["/demo/"] = Client().get("/demo/")
    pages["/admin/login/"] = Client().get("/admin/login/")

    for path, response in pages.items():
        assert refused_inline_code(response.content.decode()) == [], path


def test_content_security_policy__the_inline_code_finder_sees_what_the_policy_refuses():
    page = (
        '<p style="color:red" onclick="go()">x</p><script>go()</script><style>p{}</style>'
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
    )

    assert len(refused_inline_code(page)) == 4


def test_content_security_policy__api_docs_have_their_own_policy_and_json_has_none(
    api_client, staff_client
):
    docs = Client().get("/api/docs/")
    docs_script = Client().get("/api/docs/?script=")
    health = api_client.get("/api/health")

    assert docs.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "script-src 'self';" in docs["Content-Security-Policy"]
    assert refused_inline_code(docs.content.decode()) == ["<style> element"]
    assert docs_script.status_code == 200
    assert docs_script["Content-Type"].startswith("application/javascript")
    assert "Content-Security-Policy" not in health


def test_content_security_policy__html_error_pages_send_it_too():
    missing = Client().get("/no-such-page/")

    assert missing.status_code == 404
    assert "script-src 'self'" in missing["Content-Security-Policy"]
