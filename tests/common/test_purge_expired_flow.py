"""purge_expired end to end: every kind past its retention goes, the rest and the roll-ups stay."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from errors.models import ErrorLog, ErrorOccurrence
from feedback.models import FeedbackSubmission
from health.models import HealthSnapshot
from telemetry.models import TelemetryAggregate, TelemetryEvent
from telemetry.selectors import telemetry_metrics
from tests.errors.factories import error_reported
from tests.factories import TelemetryEventFactory
from tests.feedback.factories import FeedbackSubmissionFactory
from tests.health.factories import HealthSnapshotFactory

pytestmark = pytest.mark.django_db


def age_error(error: ErrorLog, *, days: int) -> None:
    """Make an error group and its occurrences look `days` old."""
    past = timezone.now() - timedelta(days=days)
    ErrorLog.objects.filter(pk=error.pk).update(first_seen=past, last_seen=past)
    ErrorOccurrence.objects.filter(error=error).update(created_at=past)


def test_purge_expired__removes_each_kind_past_retention_and_keeps_aggregates(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TELEMETRY_RETENTION_DAYS = 60
    settings.ERROR_RETENTION_DAYS = 90
    settings.HEALTH_RETENTION_DAYS = 30
    now = timezone.now()

    old_event = TelemetryEventFactory(created_at=now - timedelta(days=40), duration=120)
    new_event = TelemetryEventFactory(created_at=now - timedelta(days=1), duration=80)
    call_command("aggregate_telemetry", "--days", "45", stdout=io.StringIO())
    before = telemetry_metrics(days=60, event_type=None, project_ids=None)
    # Beat rolls events up within minutes; retention catches up with them a month later.
    settings.TELEMETRY_RETENTION_DAYS = 30

    old_error = error_reported({"errorType": "OldError", "message": "gone"})
    new_error = error_reported({"errorType": "NewError", "message": "kept"})
    age_error(old_error, days=91)
    screenshot = default_storage.save("feedback/old.png", ContentFile(b"png"))
    old_feedback = FeedbackSubmissionFactory(error=old_error, screenshot=screenshot)
    FeedbackSubmission.objects.filter(pk=old_feedback.pk).update(
        created_at=now - timedelta(days=91)
    )
    new_feedback = FeedbackSubmissionFactory(error=new_error)
    old_snapshot = HealthSnapshotFactory()
    HealthSnapshot.objects.filter(pk=old_snapshot.pk).update(created_at=now - timedelta(days=31))
    new_snapshot = HealthSnapshotFactory()

    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    report = out.getvalue()

    assert list(TelemetryEvent.objects.values_list("pk", flat=True)) == [new_event.pk]
    assert old_event.pk not in TelemetryEvent.objects.values_list("pk", flat=True)
    assert list(ErrorLog.objects.values_list("pk", flat=True)) == [new_error.pk]
    assert not ErrorOccurrence.objects.filter(error_id=old_error.pk).exists()
    assert list(FeedbackSubmission.objects.values_list("pk", flat=True)) == [new_feedback.pk]
    assert not FeedbackSubmission.objects.filter(pk=old_feedback.pk).exists()
    assert not default_storage.exists(screenshot)
    assert list(HealthSnapshot.objects.values_list("pk", flat=True)) == [new_snapshot.pk]
    for kind in (
        "telemetry events: deleted 1",
        "feedback: deleted 1",
        "health snapshots: deleted 1",
    ):
        assert kind in report, report
    # The roll-ups outlive the raw events: the 60-day metrics still count the purged event.
    assert TelemetryAggregate.objects.exists()
    after = telemetry_metrics(days=60, event_type=None, project_ids=None)
    assert after.total_events == before.total_events == 2
