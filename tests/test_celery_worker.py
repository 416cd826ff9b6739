"""A real Celery worker consumes tasks from the configured broker (filesystem or Redis)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from common.tasks import purge_expired_task
from config.celery import app as celery_app
from telemetry.models import TelemetryEvent
from tests.factories import TelemetryEventFactory


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
