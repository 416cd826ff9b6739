"""error_report: a report is filed in its group's log at once and counted by the digest; a known
error's report writes its occurrence and nothing else."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from errors.digest import error_digest
from errors.ingest import error_report
from errors.models import ErrorAffectedUser, ErrorHourlyCount, ErrorLog, ErrorOccurrence
from errors.serializers import error_report_input
from tests.errors.factories import error_reported

pytestmark = pytest.mark.django_db


def test_error_report__counters_add_up_as_users_and_reports_come_in():
    payload = {
        "errorType": "TypeError",
        "message": "x is undefined",
        "metadata": {"attempt": 1, "nested": {"ok": True}},
        "severity": "warning",
    }
    first = error_report(report=error_report_input({**payload, "userId": "u1"}))
    assert first.created is True
    error_digest()
    error = ErrorLog.objects.get(pk=first.error_id)
    assert (error.frequency, error.users_affected) == (1, 1)
    assert error.metadata == {"attempt": 1, "nested": {"ok": True}}

    again = error_report(
        report=error_report_input({**payload, "userId": "u1", "severity": "critical"})
    )
    assert (again.error_id, again.created) == (first.error_id, False)
    error = error_reported({**payload, "userId": "u2"})
    assert (error.frequency, error.users_affected, error.severity) == (3, 2, "critical")

    error = error_reported(payload)
    assert (error.frequency, error.users_affected) == (4, 2)
    assert ErrorOccurrence.objects.filter(error=error).count() == 4
    assert ErrorHourlyCount.objects.get(error=error).count == 4
    assert ErrorAffectedUser.objects.filter(error=error).count() == 2


def test_error_report__a_known_error_costs_one_statement_that_leaves_the_group_row_alone(
    on_postgres,
):
    payload = {"errorType": "RangeError", "message": "too far", "userId": "u1"}
    error_reported(payload)

    with CaptureQueriesContext(connection) as known_user:
        error_report(report=error_report_input(payload))
    with CaptureQueriesContext(connection) as new_user:
        error_report(report=error_report_input({**payload, "userId": "u2"}))

    statements = [query["sql"] for query in known_user.captured_queries + new_user.captured_queries]
    assert len(statements) == 2
    for sql in statements:
        assert sql.startswith("WITH o AS (INSERT INTO")
        assert "UPDATE" not in sql.upper()
    error_digest()
    error = ErrorLog.objects.get()
    assert (error.frequency, error.users_affected) == (3, 2)
