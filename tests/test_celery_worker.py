"""A real Celery worker consumes tasks from the configured broker (filesystem or Redis): the
retention run, and the digest a committed report sends, with the alert delivery it raises."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from alerts.models import AlertDelivery
from common.tasks import purge_expired_task
from config.celery import app as celery_app
from errors.ingest import error_report
from errors.models import ErrorLog
from errors.serializers import error_report_input
from telemetry.models import TelemetryEvent
from tests.factories import TelemetryEventFactory
from tests.servers import ScriptedReceiver


@pytest.mark.django_db(transaction=True)
def test_worker__runs_the_retention_task_sent_through_the_broker():
    expired = TelemetryEventFactory(
        created_at=timezone.now() - timedelta(days=settings.TELEMETRY_RETENTION_DAYS + 1)
    )
    fresh = TelemetryEventFactory()
    celery_app.control.purge()  # no stale message from an earlier run is consumed first
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        purge_expired_task.delay()
        deadline = time.monotonic() + 20
        while TelemetryEvent.objects.filter(pk=expired.pk).exists():
            assert time.monotonic() < deadline, "the worker did not run the task within 20 s"
            time.sleep(0.2)
    assert TelemetryEvent.objects.filter(pk=fresh.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_worker__counts_a_committed_report_and_delivers_the_alert_it_raises(settings):
    receiver = ScriptedReceiver()
    settings.ALERT_WEBHOOK_URL = receiver.url
    settings.ALERT_EMAILS = []
    celery_app.control.purge()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            reported = error_report(
                report=error_report_input(
                    {"errorType": "DbDown", "message": "no db", "severity": "critical"}
                )
            )
            assert reported.created
            deadline = time.monotonic() + 20
            while not receiver.accepted:
                assert time.monotonic() < deadline, "the worker did not deliver within 20 s"
                time.sleep(0.2)
    finally:
        receiver.close()
    assert receiver.accepted[0]["errorId"] == str(reported.error_id)
    assert AlertDelivery.objects.get().status == "sent"
    assert ErrorLog.objects.get().frequency == 1


def test_beat__delivers_due_alerts_every_minute():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "alerts.deliver_due"
    ]
    assert [entry["schedule"] for entry in entries] == [60.0]
    assert celery_app.tasks["alerts.deliver_due"]
