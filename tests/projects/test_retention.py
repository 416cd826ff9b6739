"""Error retention per project: a project's own error_retention_days, else ERROR_RETENTION_DAYS,
decides when its errors, occurrences, hourly counts and feedback are purged."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from errors.models import ErrorHourlyCount, ErrorLog, ErrorOccurrence
from feedback.models import FeedbackSubmission
from projects.models import DEFAULT_PROJECT_ID, Project

pytestmark = pytest.mark.django_db


def _aged_error(project_id: int, *, days: int, name: str) -> ErrorLog:
    moment = timezone.now() - timedelta(days=days)
    error = ErrorLog.objects.create(
        project_id=project_id,
        fingerprint=f"{name:0>64}"[:64],
        error_type=name,
        message="m",
        frequency=1,
        first_seen=moment,
        last_seen=moment,
    )
    ErrorOccurrence.objects.create(error=error, message="m", created_at=moment)
    ErrorHourlyCount.objects.create(error=error, hour=moment.replace(minute=0), count=1)
    feedback = FeedbackSubmission.objects.create(project_id=project_id, message=name, error=error)
    FeedbackSubmission.objects.filter(pk=feedback.pk).update(created_at=moment)
    return error


def test_purge__each_project_keeps_its_errors_and_feedback_for_its_own_days(settings):
    settings.ERROR_RETENTION_DAYS = 90
    short = Project.objects.create(slug="short", name="Short", error_retention_days=7)
    long = Project.objects.create(slug="long", name="Long", error_retention_days=365)
    _aged_error(short.pk, days=10, name="ShortOld")
    _aged_error(short.pk, days=3, name="ShortNew")
    _aged_error(long.pk, days=100, name="LongOld")
    _aged_error(DEFAULT_PROJECT_ID, days=100, name="DefaultOld")
    _aged_error(DEFAULT_PROJECT_ID, days=10, name="DefaultNew")

    call_command("purge_expired", stdout=io.StringIO())

    kept = {"ShortNew", "LongOld", "DefaultNew"}
    assert set(ErrorLog.objects.values_list("error_type", flat=True)) == kept
    assert set(ErrorOccurrence.objects.values_list("error__error_type", flat=True)) == kept
    assert set(ErrorHourlyCount.objects.values_list("error__error_type", flat=True)) == kept
    assert set(FeedbackSubmission.objects.values_list("message", flat=True)) == kept
