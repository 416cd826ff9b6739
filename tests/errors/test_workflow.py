"""Status workflow and regressions: resolved errors come back only from another build."""

import pytest

from common.api import ApiError
from errors.ingest import error_report
from errors.models import ErrorLog
from errors.serializers import error_report_input
from errors.services import error_status_set

pytestmark = pytest.mark.django_db


def report_in(build, **extra):
    payload = {"errorType": "E", "message": "boom", "buildId": build, **extra}
    return error_report(report=error_report_input(payload))[0]


def test_regression__seen_in_the_build_it_was_resolved_in_stays_resolved():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")[0]
    again = report_in("b1")
    assert (again.status, again.resolved, again.frequency) == ("resolved", True, 2)
    assert again.regressed_at is None


def test_regression__seen_in_another_build_becomes_regressed_and_unresolved():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")[0]
    again = report_in("b2")
    assert (again.status, again.resolved, again.frequency) == ("regressed", False, 2)
    assert again.regressed_at == again.last_seen
    # Further reports keep it regressed and do not move the regression time.
    later = report_in("b2")
    assert (later.status, later.regressed_at) == ("regressed", again.regressed_at)


def test_regression__no_build_recorded_at_resolution_regresses_on_any_report():
    error = report_in("")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")[0]
    assert error.resolved_in_build == ""
    assert report_in("").status == "regressed"


def test_regression__a_report_without_build_after_a_build_resolution_regresses():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")[0]
    assert report_in("").status == "regressed"


def test_regression__resolving_again_after_a_regression_uses_the_new_build():
    error = report_in("b1")
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")[0]
    regressed = report_in("b2")
    error_status_set(error_ids=[regressed.pk], status="resolved", source="in a test")[0]
    assert report_in("b2").status == "resolved"
    assert report_in("b3").status == "regressed"


@pytest.mark.parametrize("status", ["new", "acknowledged", "ignored"])
def test_regression__only_resolved_errors_regress(status):
    error = report_in("b1")
    if status != "new":
        error_status_set(error_ids=[error.pk], status=status, source="in a test")[0]
    assert report_in("b2").status == status


def test_set_status__refuses_statuses_a_person_cannot_set():
    error = report_in("b1")
    for status in ("new", "regressed", "done"):
        with pytest.raises(ApiError):
            error_status_set(error_ids=[error.pk], status=status, source="in a test")[0]
    assert ErrorLog.objects.get().status == "new"


def test_set_status__does_not_overwrite_concurrent_counts():
    error = report_in("b1")
    report_in("b1")
    # `error` is stale (frequency 1); setting its status must keep the stored count.
    updated = error_status_set(error_ids=[error.pk], status="acknowledged", source="in a test")[0]
    assert (updated.frequency, updated.status) == (2, "acknowledged")
