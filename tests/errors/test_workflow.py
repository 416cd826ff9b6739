"""Status workflow and regressions: resolved errors come back only from another build."""

import pytest
from django.contrib.admin.models import LogEntry

from common.api import ApiError
from errors.models import ErrorLog
from errors.selectors import error_group_page
from errors.services import error_status_set
from tests.errors.factories import error_reported

pytestmark = pytest.mark.django_db


def report_in(build, **extra):
    payload = {"errorType": "E", "message": "boom", "buildId": build, **extra}
    return error_reported(payload)


def test_regression__seen_in_the_build_it_was_resolved_in_stays_resolved():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    again = report_in("b1")
    assert (again.status, again.resolved, again.frequency) == ("resolved", True, 2)
    assert again.regressed_at is None


def test_regression__seen_in_another_build_becomes_regressed_and_unresolved():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    again = report_in("b2")
    assert (again.status, again.resolved, again.frequency) == ("regressed", False, 2)
    assert again.regressed_at == again.last_seen
    # Further reports keep it regressed and do not move the regression time.
    later = report_in("b2")
    assert (later.status, later.regressed_at) == ("regressed", again.regressed_at)


def test_regression__no_build_recorded_at_resolution_regresses_on_any_report():
    error = report_in("")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    assert error.resolved_in_build == ""
    assert report_in("").status == "regressed"


def test_regression__a_report_without_build_after_a_build_resolution_regresses():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    assert report_in("").status == "regressed"


def test_regression__resolving_again_after_a_regression_uses_the_new_build():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    regressed = report_in("b2")
    error_status_set(error_ids=[regressed.pk], status="resolved", source="in a test")
    assert report_in("b2").status == "resolved"
    assert report_in("b3").status == "regressed"


@pytest.mark.parametrize("status", ["new", "acknowledged", "ignored"])
def test_regression__only_resolved_errors_regress(status):
    error = report_in("b1")
    if status != "new":
        error_status_set(error_ids=[error.pk], status=status, source="in a test")
    assert report_in("b2").status == status


def test_set_status__refuses_statuses_a_person_cannot_set():
    error = report_in("b1")
    for status in ("new", "regressed", "done"):
        with pytest.raises(ApiError):
            error_status_set(error_ids=[error.pk], status=status, source="in a test")
    assert ErrorLog.objects.get().status == "new"


def test_set_status__does_not_overwrite_concurrent_counts():
    error = report_in("b1")
    report_in("b1")
    # `error` is stale (frequency 1); setting its status must keep the stored count.
    updated = error_status_set(error_ids=[error.pk], status="acknowledged", source="in a test")[0]
    assert (updated.frequency, updated.status) == (2, "acknowledged")


def test_error_status_set__changes_many_groups_and_logs_who_did_it_and_where(staff_user):
    first, second = report_in("b1"), report_in("b2", errorType="F")
    untouched = report_in("b3", errorType="G")
    changed = error_status_set(
        error_ids=[second.pk, first.pk, 10**9],
        status="ignored",
        source="from the triage page",
        by=staff_user,
    )
    assert [error.pk for error in changed] == sorted([first.pk, second.pk])
    assert {error.status for error in changed} == {"ignored"}
    untouched.refresh_from_db()
    assert untouched.status == "new"
    entries = LogEntry.objects.order_by("object_id")
    assert sorted(int(entry.object_id) for entry in entries) == sorted([first.pk, second.pk])
    assert {entry.get_change_message() for entry in entries} == {
        "Status set to ignored from the triage page."
    }
    assert first.status_changes.get().changed_by == staff_user


def test_error_status_set__without_a_user_keeps_the_history_but_no_admin_log():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="acknowledged", source="by seed_demo")
    assert error.status_changes.get().changed_by is None
    assert not LogEntry.objects.exists()


def test_error_group_page__pages_with_a_next_flag_and_an_optional_total():
    for index in range(5):
        report_in("b1", errorType=f"E{index}")
    first = error_group_page(order="first_seen", limit=2)
    last = error_group_page(order="first_seen", offset=4, limit=2, with_total=True)
    assert ([e.error_type for e in first.errors], first.has_next, first.total) == (
        ["E4", "E3"],
        True,
        None,
    )
    assert ([e.error_type for e in last.errors], last.has_next, last.total) == (["E0"], False, 5)
