"""Retention of error data (purge_expired) and the error list in the Django admin."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from errors.models import ErrorHourlyCount, ErrorLog, ErrorOccurrence
from errors.selectors import error_occurrence_count_since, error_open_critical_count
from tests.errors.factories import ErrorLogFactory, error_reported

pytestmark = pytest.mark.django_db


def test_purge_expired__removes_groups_not_seen_within_retention_and_old_occurrences(
    settings, capsys
):
    settings.ERROR_RETENTION_DAYS = 90
    old = timezone.now() - timedelta(days=91)
    expired = ErrorLogFactory(first_seen=old, last_seen=old)
    ErrorOccurrence.objects.create(error=expired, message="m", created_at=old)
    ErrorHourlyCount.objects.create(error=expired, hour=old.replace(minute=0), count=1)
    kept = error_reported({"errorType": "E", "message": "m"})
    ErrorOccurrence.objects.create(error=kept, message="m", created_at=old)

    call_command("purge_expired", "--dry-run")
    assert "error logs: would delete 3" in capsys.readouterr().out
    assert ErrorLog.objects.count() == 2

    call_command("purge_expired")
    assert "error logs: deleted 3" in capsys.readouterr().out
    assert list(ErrorLog.objects.all()) == [kept]
    assert ErrorOccurrence.objects.count() == 1
    assert ErrorHourlyCount.objects.count() == 1


def test_selectors__occurrence_count_since_and_open_critical_count():
    before = timezone.now()
    for severity in ("critical", "critical", "error"):
        error_reported({"errorType": "E", "message": "m", "severity": severity})
    error_reported({"errorType": "F", "message": "m", "severity": "critical"})
    ErrorLogFactory(severity="critical", status="resolved", resolved=True)
    ErrorLogFactory(severity="critical", status="ignored")
    ErrorLogFactory(severity="critical", status="regressed")
    assert error_occurrence_count_since(since=before) == 4
    assert error_occurrence_count_since(since=timezone.now()) == 0
    assert error_open_critical_count() == 3


def test_admin__lists_errors_and_bulk_resolves_them(client, staff_user):
    first = error_reported({"errorType": "TypeError", "message": "a", "buildId": "b9"})
    second = error_reported({"errorType": "RangeError", "message": "b"})
    client.force_login(staff_user)
    page = client.get("/admin/errors/errorlog/?severity__exact=error&o=5")
    assert page.status_code == 200
    assert "TypeError" in page.text and "RangeError" in page.text
    response = client.post(
        "/admin/errors/errorlog/",
        {"action": "resolve_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "2 error(s) marked resolved." in response.text
    first.refresh_from_db()
    assert (first.status, first.resolved, first.resolved_in_build) == ("resolved", True, "b9")
    assert first.resolved_by == staff_user
    # The change form is read-only: saving it would overwrite concurrent counts.
    change_url = f"/admin/errors/errorlog/{first.pk}/change/"
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"status": "new"}).status_code == 403
