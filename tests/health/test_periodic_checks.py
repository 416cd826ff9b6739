"""The periodic check: the cron endpoint, the beat task, snapshots, alerts on change, retention."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from errors.models import ErrorOccurrence
from health.models import HealthSnapshot
from health.tasks import health_check_task
from telemetry.models import TelemetryEvent
from tests.health.factories import HealthSnapshotFactory, traffic_with_errors

URL = "/api/cron/health"
SECRET = "cron-secret-for-tests"

pytestmark = pytest.mark.django_db


@pytest.fixture
def cron_secret(settings):
    settings.CRON_SECRET = SECRET
    return SECRET


def test_cron_health__without_a_configured_secret_answers_503(api_client, settings):
    settings.CRON_SECRET = ""
    response = api_client.get(URL, HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 503
    assert response.json() == {
        "success": False,
        "error": "Cron endpoints are disabled: set CRON_SECRET to enable them.",
        "details": {},
    }
    assert not HealthSnapshot.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-secret", f"Token {SECRET}", f"Bearer {SECRET}x", SECRET],
)
def test_cron_health__missing_or_wrong_secret_answers_401(api_client, cron_secret, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = api_client.post(URL, **headers)
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    assert "Authorization: Bearer" in body["error"]
    assert SECRET not in response.content.decode()
    assert not HealthSnapshot.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_cron_health__right_secret_runs_and_stores_the_check(api_client, cron_secret, method):
    response = getattr(api_client, method)(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert response.status_code == 200
    document = response.json()
    snapshot = HealthSnapshot.objects.get()
    assert document["snapshotId"] == snapshot.pk
    assert document["status"] == snapshot.status == "healthy"
    assert snapshot.document["database"] == document["database"]
    assert snapshot.database_latency_ms == document["database"]["latencyMs"]


def test_cron_health__unhealthy_answers_503_and_is_stored(api_client, cron_secret):
    traffic_with_errors(errors=10, total=100)
    response = api_client.get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert response.status_code == 503
    snapshot = HealthSnapshot.objects.get()
    assert (snapshot.status, snapshot.error_count, snapshot.total_events) == ("unhealthy", 10, 100)
    assert snapshot.error_rate == 10.0


def test_health_check_task__is_scheduled_every_5_minutes_and_writes_snapshots():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "health.check"]
    assert len(entries) == 1
    assert entries[0]["schedule"] == 300
    assert health_check_task.name == "health.check"
    assert health_check_task.apply().get() == "healthy"
    assert health_check_task.apply().get() == "healthy"
    statuses = list(
        HealthSnapshot.objects.order_by("created_at").values_list("status", "previous_status")
    )
    assert statuses == [("healthy", ""), ("healthy", "healthy")]


def test_health_check_task__alerts_only_when_the_status_changes(alert_receiver):
    health_check_task.apply()
    health_check_task.apply()
    assert alert_receiver == []

    traffic_with_errors(errors=10, total=100)
    health_check_task.apply()
    health_check_task.apply()
    assert len(alert_receiver) == 1
    alert = alert_receiver[0]
    assert alert["kind"] == "health.status_changed"
    assert alert["title"] == "Health is unhealthy (was healthy)"
    assert (alert["status"], alert["previousStatus"]) == ("unhealthy", "healthy")
    assert "Error rate 10.00 %" in alert["reasons"][0]
    assert alert["health"]["errorRate"]["rate"] == 10.0

    TelemetryEvent.objects.all().delete()
    ErrorOccurrence.objects.all().delete()
    health_check_task.apply()
    health_check_task.apply()
    assert len(alert_receiver) == 2
    assert alert_receiver[1]["title"] == "Health recovered: healthy again (was unhealthy)"
    assert HealthSnapshot.objects.count() == 6


def test_health_check_task__first_check_alerts_when_it_is_not_healthy(alert_receiver):
    traffic_with_errors(errors=2, total=100)
    assert health_check_task.apply().get() == "degraded"
    assert [alert["title"] for alert in alert_receiver] == ["Health is degraded (was healthy)"]


def test_purge_expired__removes_snapshots_past_health_retention(settings):
    settings.HEALTH_RETENTION_DAYS = 30
    now = timezone.now()
    kept = HealthSnapshotFactory(created_at=now - timedelta(days=29))
    HealthSnapshotFactory(created_at=now - timedelta(days=31))
    HealthSnapshotFactory(created_at=now - timedelta(days=45))
    call_command("purge_expired")
    assert list(HealthSnapshot.objects.all()) == [kept]
