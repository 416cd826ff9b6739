"""error_report: what it returns matches what it stored, at a constant cost per report."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from errors.ingest import error_report
from errors.models import ErrorAffectedUser, ErrorHourlyCount, ErrorLog, ErrorOccurrence
from errors.serializers import error_report_input

pytestmark = pytest.mark.django_db


def _stored(error: ErrorLog) -> dict:
    fresh = ErrorLog.objects.get(pk=error.pk)
    return {field.attname: getattr(fresh, field.attname) for field in ErrorLog._meta.fields}


def _returned(error: ErrorLog) -> dict:
    return {field.attname: getattr(error, field.attname) for field in ErrorLog._meta.fields}


def test_error_report__returned_group_equals_the_stored_one_as_users_and_reports_add_up():
    payload = {
        "errorType": "TypeError",
        "message": "x is undefined",
        "metadata": {"attempt": 1, "nested": {"ok": True}},
        "severity": "warning",
    }
    first, created = error_report(report=error_report_input({**payload, "userId": "u1"}))
    assert created is True
    assert _returned(first) == _stored(first)
    assert first.users_affected == 1
    assert first.metadata == {"attempt": 1, "nested": {"ok": True}}

    again, created = error_report(
        report=error_report_input({**payload, "userId": "u1", "severity": "critical"})
    )
    assert created is False
    assert _returned(again) == _stored(again)
    assert (again.frequency, again.users_affected, again.severity) == (2, 1, "critical")

    other, _ = error_report(report=error_report_input({**payload, "userId": "u2"}))
    assert _returned(other) == _stored(other)
    anonymous, _ = error_report(report=error_report_input(payload))
    assert (anonymous.frequency, anonymous.users_affected) == (4, 2)
    assert _returned(anonymous) == _stored(anonymous)
    assert ErrorOccurrence.objects.filter(error=first).count() == 4
    assert ErrorHourlyCount.objects.get(error=first).count == 4
    assert ErrorAffectedUser.objects.filter(error=first).count() == 2


def test_error_report__a_known_error_costs_one_round_trip_on_postgres(on_postgres):
    payload = {"errorType": "RangeError", "message": "too far", "userId": "u1"}
    error_report(report=error_report_input(payload))

    with CaptureQueriesContext(connection) as known_user:
        error, _ = error_report(report=error_report_input(payload))
    with CaptureQueriesContext(connection) as new_user:
        error, _ = error_report(report=error_report_input({**payload, "userId": "u2"}))

    assert len(known_user.captured_queries) == 1
    assert len(new_user.captured_queries) == 1
    assert ErrorLog.objects.get(pk=error.pk).users_affected == error.users_affected == 2
