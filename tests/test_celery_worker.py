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


@pytest.fixture
def embedded_broker_in_tmp(tmp_path):
    """Point the filesystem broker at a fresh folder so no stale message is consumed."""
    if not settings.CELERY_BROKER_URL.startswith("filesystem"):
        yield
        return
    saved = celery_app.conf.broker_transport_options
    folder = str(tmp_path / "broker")
    celery_app.conf.broker_transport_options = {
        **saved,
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": str(tmp_path / "control"),
    }
    (tmp_path / "broker").mkdir()
    yield
    celery_app.conf.broker_transport_options = saved


@pytest.mark.django_db(transaction=True)
def test_worker__runs_the_retention_task_sent_through_the_broker(embedded_broker_in_tmp):
    expired = TelemetryEventFactory(
        created_at=timezone.now() - timedelta(days=settings.TELEMETRY_RETENTION_DAYS + 1)
    )
    fresh = TelemetryEventFactory()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        purge_expired_task.delay()
        deadline = time.monotonic() + 20
        while TelemetryEvent.objects.filter(pk=expired.pk).exists():
            assert time.monotonic() < deadline, "the worker did not run the task within 20 s"
            time.sleep(0.2)
    assert TelemetryEvent.objects.filter(pk=fresh.pk).exists()
