"""The triage selectors: filters, severity order, trends in one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from errors.models import ErrorHourlyCount, ErrorStatus
from errors.selectors import (
    TRIAGE_STATUS_FILTERS,
    error_environments,
    error_group_page,
    error_hourly_counts_by_error,
)
from errors.services import error_status_set
from tests.errors.factories import error_reported

pytestmark = pytest.mark.django_db


def report(error_type, message="boom", **extra):
    return error_reported({"errorType": error_type, "message": message, **extra})


def test_error_group_page__status_filters_group_open_statuses_as_unresolved():
    open_error = report("OpenError")
    resolved = error_status_set(
        error_ids=[report("FixedError").pk], status=ErrorStatus.RESOLVED, source="in a test"
    )[0]
    ignored = error_status_set(
        error_ids=[report("NoiseError").pk], status=ErrorStatus.IGNORED, source="in a test"
    )[0]
    acknowledged = error_status_set(
        error_ids=[report("SeenError").pk], status=ErrorStatus.ACKNOWLEDGED, source="in a test"
    )[0]

    def types(status):
        return {
            error.error_type
            for error in error_group_page(statuses=TRIAGE_STATUS_FILTERS.get(status)).errors
        }

    assert types("unresolved") == {open_error.error_type, acknowledged.error_type}
    assert types("resolved") == {resolved.error_type}
    assert types("ignored") == {ignored.error_type}
    assert types(None) == {"OpenError", "FixedError", "NoiseError", "SeenError"}


def test_error_group_page__severity_sort_puts_critical_first_then_most_recent():
    report("InfoError", severity="info")
    report("CriticalError", severity="critical")
    report("WarningError", severity="warning")
    report("ErrorError", severity="error")
    ordered = [error.error_type for error in error_group_page(order="severity").errors]
    assert ordered == ["CriticalError", "ErrorError", "WarningError", "InfoError"]


def test_error_group_page__search_build_and_environment_filters():
    report("TypeError", "Cannot read properties of undefined", buildId="b1", environment="prod")
    report("RangeError", "Maximum call stack", buildId="b2", environment="staging")
    assert [e.error_type for e in error_group_page(search="properties").errors] == ["TypeError"]
    assert [e.error_type for e in error_group_page(search="rangeerr").errors] == ["RangeError"]
    assert [e.error_type for e in error_group_page(build_id="b2").errors] == ["RangeError"]
    assert [e.error_type for e in error_group_page(environment="prod").errors] == ["TypeError"]
    assert error_environments() == ["prod", "staging"]


def test_error_hourly_counts_by_error__fills_quiet_hours_with_zeros_in_one_query():
    error = report("TrendError")
    other = report("QuietError")
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    ErrorHourlyCount.objects.create(error=error, hour=hour - timedelta(hours=3), count=7)
    with CaptureQueriesContext(connection) as queries:
        trends = error_hourly_counts_by_error(error_ids=[error.pk, other.pk], hours=24)
    assert len(queries) == 1
    assert len(trends[error.pk]) == 24
    assert trends[error.pk][-1] == 1  # the report above, this hour
    assert trends[error.pk][-4] == 7
    assert sum(trends[error.pk]) == 8
    assert trends[other.pk][-1] == 1
