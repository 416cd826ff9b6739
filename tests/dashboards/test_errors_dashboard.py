"""/admin/errors/: the triage list, its filters, one-click and bulk status changes, detail."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from errors.models import ErrorLog, ErrorStatus
from feedback.models import FeedbackSubmission
from tests.errors.factories import error_reported
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/errors/"


def report(error_type, message="boom", **extra):
    return error_reported({"errorType": error_type, "message": message, **extra})


def test_errors_dashboard__empty_database_shows_a_friendly_empty_state(admin_client_logged_in):
    response = admin_client_logged_in.get(URL)
    assert response.status_code == 200
    assert "No unresolved errors." in response.content.decode()


def test_errors_dashboard__rows_show_type_message_page_counts_and_trend(admin_client_logged_in):
    for user in ("u1", "u2", "u1"):
        report("TypeError", "Cannot read id", page="/profile/123", userId=user, severity="critical")
    report("RangeError", "Too deep", severity="warning")
    html = admin_client_logged_in.get(URL).content.decode()
    row = html[html.index("TypeError") : html.index("RangeError")]
    assert "Cannot read id" in row
    assert "/profile/[id]" in row
    assert "<td>3</td>" in row  # frequency
    assert "<td>2</td>" in row  # users affected
    assert 'class="trend"' in row
    assert row.count('<span class="bar-') == 24
    assert " ago</time>" in row
    # Frequency order by default: the 3-times error comes before the single one.
    assert html.index("TypeError") < html.index("RangeError")


def test_errors_dashboard__filters_sort_and_search(admin_client_logged_in):
    report("InfoError", severity="info", environment="staging")
    report("CriticalError", severity="critical", environment="production", buildId="b7")
    client = admin_client_logged_in

    def types(**query):
        html = client.get(URL, query).content.decode()
        return [name for name in ("InfoError", "CriticalError") if f"<strong>{name}" in html]

    assert types(severity="critical") == ["CriticalError"]
    assert types(environment="staging") == ["InfoError"]
    assert types(build="b7") == ["CriticalError"]
    assert types(q="infoerr") == ["InfoError"]
    html = client.get(URL, {"sort": "severity"}).content.decode()
    assert html.index("<strong>CriticalError") < html.index("<strong>InfoError")
    # Unknown values fall back to the defaults instead of failing.
    assert client.get(URL, {"sort": "nope", "status": "x", "page": "-3"}).status_code == 200


def test_errors_dashboard__one_click_resolve_goes_through_the_service_and_is_logged(
    admin_client_logged_in, staff_user
):
    error = report("TypeError")
    response = admin_client_logged_in.post(
        URL, {"one": f"resolve:{error.pk}", "next": URL + "?sort=severity"}
    )
    assert response.status_code == 302
    assert response["Location"] == URL + "?sort=severity"
    error.refresh_from_db()
    assert (error.status, error.resolved, error.resolved_by) == (
        ErrorStatus.RESOLVED,
        True,
        staff_user,
    )
    assert error.resolved_at is not None
    entry = LogEntry.objects.get(object_id=str(error.pk))
    assert "resolved" in entry.get_change_message()
    # Resolved errors leave the default (unresolved) list and appear under "resolved".
    assert "<strong>TypeError" not in admin_client_logged_in.get(URL).content.decode()
    resolved_page = admin_client_logged_in.get(URL, {"status": "resolved"}).content.decode()
    assert "<strong>TypeError" in resolved_page


def test_errors_dashboard__bulk_ignore_changes_every_selected_error(admin_client_logged_in):
    first, second, untouched = report("AError"), report("BError"), report("CError")
    admin_client_logged_in.post(URL, {"action": "ignore", "ids": [first.pk, second.pk]})
    statuses = dict(ErrorLog.objects.values_list("error_type", "status"))
    assert statuses == {"AError": "ignored", "BError": "ignored", "CError": "new"}
    assert untouched.pk not in [int(e.object_id) for e in LogEntry.objects.all()]


def test_errors_dashboard__bad_action_changes_nothing_and_says_why(admin_client_logged_in):
    error = report("TypeError")
    response = admin_client_logged_in.post(
        URL, {"action": "delete", "ids": [error.pk]}, follow=True
    )
    assert "Choose an action and at least one error." in response.content.decode()
    assert ErrorLog.objects.get().status == ErrorStatus.NEW


def test_errors_dashboard__staff_without_change_permission_cannot_change_status(db):
    error = report("TypeError")
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"one": f"resolve:{error.pk}"}).status_code == 403
    assert ErrorLog.objects.get().status == ErrorStatus.NEW


def test_error_detail__shows_stack_occurrences_and_history(admin_client_logged_in):
    stack = (
        "TypeError: x is undefined\n    at Profile (profile.js:10:5)\n    at render (react.js:1:1)"
    )
    error = report("TypeError", "x is undefined", stack=stack, page="/profile", buildId="b1")
    report("TypeError", "x is undefined", stack=stack, page="/settings", metadata={"plan": "pro"})
    admin_client_logged_in.post(URL, {"one": f"ignore:{error.pk}"})
    html = admin_client_logged_in.get(f"{URL}{error.pk}/").content.decode()
    assert "at Profile (profile.js:10:5)\n    at render" in html
    assert "/settings" in html and "/profile" in html
    assert "plan" in html
    history = html[html.index('id="status-history"') :]
    assert "Status set to ignored." in history
    assert admin_client_logged_in.get(f"{URL}999999/").status_code == 404


def test_error_detail__history_shows_changes_made_through_the_api(
    admin_client_logged_in, staff_client, staff_user
):
    error = report("TypeError")
    empty = admin_client_logged_in.get(f"{URL}{error.pk}/").content.decode()
    assert "No status changes recorded yet." in empty
    staff_client.patch(f"/api/errors/{error.pk}", {"status": "acknowledged"}, format="json")
    staff_client.patch(f"/api/errors/{error.pk}", {"status": "resolved"}, format="json")
    html = admin_client_logged_in.get(f"{URL}{error.pk}/").content.decode()
    history = html[html.index('id="status-history"') :]
    # Newest first, each with who made it.
    resolved_at = history.index(f"{staff_user.get_username()}: Status set to resolved.")
    assert resolved_at < history.index("Status set to acknowledged.")


def test_error_detail__shows_linked_feedback_with_its_screenshot(admin_client_logged_in):
    error = report("UserReport", "The save button does nothing")
    FeedbackSubmission.objects.create(
        message="The save button does nothing",
        screenshot="feedback/2026/11/shot.png",
        error=error,
    )
    html = admin_client_logged_in.get(f"{URL}{error.pk}/").content.decode()
    section = html[html.index('id="linked-feedback"') : html.index('id="status-history"')]
    assert "The save button does nothing" in section
    assert '<img src="/media/feedback/2026/11/shot.png"' in section
