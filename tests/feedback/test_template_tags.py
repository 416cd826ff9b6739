"""The template tags: the report-bug button's script, hidden for staff when asked."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def render(source: str, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load report_bug %}" + source).render(Context({"request": request}))


def test_report_bug_button__renders_the_script_with_the_endpoint():
    html = render("{% report_bug_button hide_for_admin=True %}", AnonymousUser())

    assert 'src="/static/telemetry/report-bug.js"' in html
    assert 'data-endpoint="/api/feedback"' in html


def test_report_bug_button__hidden_for_staff_only_when_asked():
    staff = UserFactory(is_staff=True)

    assert render("{% report_bug_button hide_for_admin=True %}", staff).strip() == ""
    assert "report-bug.js" in render("{% report_bug_button %}", staff)
    assert "report-bug.js" in render("{% report_bug_button hide_for_admin=True %}", UserFactory())


def test_report_bug_button__escapes_the_label():
    html = render('{% report_bug_button label="<b>Help</b>" %}', AnonymousUser())

    assert 'data-label="&lt;b&gt;Help&lt;/b&gt;"' in html


def test_telemetry_client__points_at_the_batch_and_errors_endpoints():
    html = render("{% telemetry_client flush_interval=2000 %}", AnonymousUser())

    assert 'data-endpoint="/api/telemetry/batch"' in html
    assert 'data-errors-endpoint="/api/errors"' in html
    assert 'data-flush-interval="2000"' in html


def test_root__redirects_to_the_demo_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/demo/"
