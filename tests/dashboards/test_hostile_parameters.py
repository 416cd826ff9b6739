"""Hostile query parameters on every staff page and staff API: a page or a 4xx, never a 500.

Each page and parameter gets the same table of values a scanner or a mistyped link sends:
a NUL byte, a digit that is not 0-9 ('²'.isdigit() is true, int('²') raises), a number past
64 bits, a negative number, an empty value, a very long value and a percent-encoded lone
surrogate. A page answers 200 (the value is ignored, or the page says what is wrong), a
redirect or a 4xx whose body a person can read.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from errors.models import ErrorLog
from tests.errors.factories import ErrorLogFactory
from tests.factories import TelemetryEventFactory
from tests.feedback.factories import FeedbackSubmissionFactory
from tests.health.factories import HealthSnapshotFactory

pytestmark = pytest.mark.django_db

# Already percent-encoded: the test client sends each as it is.
HOSTILE = {
    "nul": "%00",
    "nul-inside": "a%00b",
    "superscript-two": "%C2%B2",
    "past-64-bits": str(2**70),
    "negative": "-1",
    "empty": "",
    "very-long": "9" * 5000,
    "lone-surrogate": "%ED%A0%80",
}

PAGES = {
    "/admin/errors/": ["page", "q", "environment", "build", "sort", "status", "severity"],
    "/admin/metrics/": ["refresh", "window"],
    "/admin/metrics/data.json": ["window"],
    "/admin/health/": ["window"],
    "/admin/errors/errorlog/": ["q", "severity", "status", "environment", "p", "o"],
    "/admin/telemetry/telemetryevent/": ["type", "device_type", "p", "o"],
    "/admin/feedback/feedbacksubmission/": ["q", "status", "category", "p", "o"],
    "/admin/health/healthsnapshot/": ["status", "p", "o"],
    "/admin/errors/clientkey/": ["q", "active", "project__id__exact", "p", "o"],
    "/admin/projects/project/": ["q", "p", "o"],
    "/demo/": ["flushInterval"],
    "/api/errors": ["limit", "severity", "resolved", "status", "environment", "sortBy", "project"],
    "/api/telemetry": ["days", "type"],
}
CASES = [
    pytest.param(page, name, id=f"{page}?{name}") for page, names in PAGES.items() for name in names
]


@pytest.fixture
def some_data():
    error = ErrorLogFactory()
    TelemetryEventFactory()
    FeedbackSubmissionFactory(error=error)
    HealthSnapshotFactory()
    return error


@pytest.fixture
def staff_browser(db):
    # No password: hashing one per test would cost more than the requests.
    user = get_user_model().objects.create(username="hostile", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def assert_readable_answer(response):
    """The answer is not a server error, and a refusal says in words what was wrong."""
    assert response.status_code < 500, (response.request["QUERY_STRING"], response.content[:500])
    if response.status_code >= 400:
        if response["Content-Type"].startswith("application/json"):
            body = response.json()
            assert body["success"] is False
            assert re.search(r"[A-Za-z]{3,} [a-z]{2,}", body["error"])
            assert set(body) == {"success", "error", "details"}
        else:
            assert re.search(rb"[A-Za-z]{3,} [a-z]{2,}", response.content)


@pytest.mark.parametrize(("page", "name"), CASES)
def test_staff_page__hostile_parameter_gets_a_page_or_a_readable_4xx(
    staff_browser, some_data, page, name
):
    for value in HOSTILE.values():
        assert_readable_answer(staff_browser.get(f"{page}?{name}={value}"))


@pytest.mark.parametrize(("page", "name"), CASES)
def test_staff_page__a_64_kib_parameter_is_a_readable_400(staff_browser, some_data, page, name):
    # A search box would hand it to the database as a LIKE pattern (SQLite refuses those).
    response = staff_browser.get(f"{page}?{name}={'x' * 65536}")
    assert response.status_code == 400
    json = response["Content-Type"].startswith("application/json")
    sentence = response.json()["error"] if json else response.content.decode()
    assert f"“{name}” is over 8,192 characters long" in sentence
    assert_readable_answer(response)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_error_item__hostile_id_is_a_readable_4xx(staff_browser, some_data, value):
    assert_readable_answer(staff_browser.get(f"/api/errors/{value}"))
    assert_readable_answer(
        staff_browser.patch(
            f"/api/errors/{value}", data='{"status": "resolved"}', content_type="application/json"
        )
    )
    assert_readable_answer(staff_browser.get(f"/admin/errors/{value}/"))
    assert_readable_answer(staff_browser.get(f"/admin/errors/errorlog/{value}/change/"))


@pytest.mark.parametrize("value", [str(2**70), str(2**63), "9" * 5000])
def test_error_item__id_past_64_bits_is_404(staff_browser, some_data, value):
    assert staff_browser.get(f"/api/errors/{value}").status_code == 404
    assert (
        staff_browser.patch(
            f"/api/errors/{value}", data='{"status": "resolved"}', content_type="application/json"
        ).status_code
        == 404
    )
    assert staff_browser.get(f"/admin/errors/{value}/").status_code == 404


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_triage_actions__hostile_ids_change_nothing_and_say_so(staff_browser, some_data, value):
    for data in (f"one=resolve:{value}", f"action=resolve&ids={value}"):
        response = staff_browser.post(
            "/admin/errors/", data=data, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 302
        page = staff_browser.get(response["Location"])
        assert "Choose an action and at least one error." in page.content.decode()
    assert ErrorLog.objects.get(pk=some_data.pk).status == some_data.status


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_changelist_action__hostile_selection_changes_nothing_and_says_so(
    staff_browser, some_data, value
):
    for changelist in ("/admin/auth/user/", "/admin/auth/group/"):
        response = staff_browser.post(
            changelist,
            data=f"action=delete_selected&_selected_action={value}&index=0",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 302
    response = staff_browser.post(
        "/admin/errors/errorlog/",
        data=f"action=resolve_selected&_selected_action={value}&index=0",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    page = staff_browser.get(response["Location"]).content.decode()
    assert "The selection holds a value that is not an id; nothing was changed." in page
    assert ErrorLog.objects.get(pk=some_data.pk).status == some_data.status


def test_triage_page__bad_page_number_says_so(staff_browser, some_data):
    html = staff_browser.get("/admin/errors/?page=%C2%B2").content.decode()
    assert "The page number must be a whole number from 1 to 1,000,000; showing page 1." in html
    assert some_data.error_type in html


def test_any_page__nul_in_a_query_parameter_is_400_naming_it(staff_browser, client):
    response = staff_browser.get("/admin/errors/?q=Type%00Error")
    assert response.status_code == 400
    assert "The query parameter “q” contains a NUL byte" in response.content.decode()
    response = client.get("/api/telemetry?type=page_view%00")
    assert response.status_code == 400
    assert response.json()["details"] == {"parameter": "type"}


@pytest.mark.parametrize(
    ("interval", "milliseconds"), [("%C2%B2", 3000), ("9" * 5000, 3000), ("1000", 1000)]
)
def test_demo_page__bad_flush_interval_keeps_the_default(client, interval, milliseconds):
    html = client.get(f"/demo/?flushInterval={interval}").content.decode()
    assert f'data-flush-interval="{milliseconds}"' in html


@pytest.mark.parametrize(("refresh", "seconds"), [("%C2%B2", 30), (str(2**70), 30), ("5", 5)])
def test_metrics_page__bad_refresh_keeps_the_default(staff_browser, refresh, seconds):
    html = staff_browser.get(f"/admin/metrics/?refresh={refresh}").content.decode()
    assert f'data-refresh-seconds="{seconds}"' in html
