"""GET /api/health/extended: every field, the default thresholds, 503, bounded probes."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from health.models import HealthStatus
from health.probes import status_for_value
from tests.errors.factories import error_reported
from tests.health.factories import HealthSnapshotFactory, events_record, traffic_with_errors

URL = "/api/health/extended"

pytestmark = pytest.mark.django_db


def test_health_extended__healthy_document_has_every_field(api_client, settings):
    settings.GIT_COMMIT = "abc1234"
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    document = response.json()
    assert document["status"] == "healthy"
    assert document["reasons"] == []
    assert document["timestamp"].endswith("Z")
    assert document["version"] == (settings.BASE_DIR / "VERSION").read_text().strip()
    assert document["commit"] == "abc1234"
    uptime = document["uptime"]
    assert set(uptime) == {"hours", "minutes", "seconds", "formatted"}
    assert uptime["formatted"] == (
        f"{uptime['hours']}h {uptime['minutes'] % 60}m {uptime['seconds'] % 60}s"
    )
    assert document["database"]["status"] == "healthy"
    assert 0 <= document["database"]["latencyMs"] < 50
    assert document["cache"]["status"] == "healthy"
    assert document["cache"]["latencyMs"] >= 0
    assert document["broker"]["status"] == "healthy"
    assert document["broker"]["transport"] == settings.CELERY_BROKER_URL.split("://")[0]
    assert document["sessions"] == {"active": 0, "windowMinutes": 5}
    assert document["errorRate"] == {
        "errors": 0,
        "totalEvents": 0,
        "rate": 0.0,
        "windowHours": 1,
        "status": "healthy",
    }
    assert document["criticalErrors"] == {"open": 0}
    assert 0 < document["memory"]["rssMB"] <= document["memory"]["peakRssMB"]
    assert document["sentry"] == {"enabled": False}
    assert document["periodicCheck"] == {
        "lastRunAt": None,
        "ageMinutes": None,
        "expected": False,
        "stale": False,
    }
    assert set(document["timings"]) >= {"database", "cache", "broker", "sessions", "errorRate"}
    assert document["timings"]["total"] >= document["timings"]["database"]


def test_health_extended__commit_falls_back_to_git(api_client, settings):
    settings.GIT_COMMIT = ""
    commit = api_client.get(URL).json()["commit"]
    assert commit == "unknown" or (4 <= len(commit) <= 12 and int(commit, 16) >= 0)


def test_health_extended__active_sessions_are_distinct_ids_of_the_last_5_minutes(api_client):
    events_record(count=3, session_id="session-a")
    events_record(count=1, session_id="session-b", minutes_ago=4.5)
    events_record(count=2, session_id="session-c", minutes_ago=6)
    events_record(count=2, session_id="")
    assert api_client.get(URL).json()["sessions"] == {"active": 2, "windowMinutes": 5}


def test_health_extended__open_critical_errors_are_counted(api_client):

    error_reported({"errorType": "Crash", "message": "down", "severity": "critical"})
    error_reported({"errorType": "Minor", "message": "meh", "severity": "warning"})
    assert api_client.get(URL).json()["criticalErrors"] == {"open": 1}


@pytest.mark.parametrize(
    ("errors", "total", "status", "http_status"),
    [
        (0, 100, "healthy", 200),
        (1, 101, "healthy", 200),  # 0.99 %
        (1, 100, "degraded", 200),  # 1 %: the degraded band starts here
        (5, 100, "degraded", 200),  # 5 %: still degraded
        (5, 99, "unhealthy", 503),  # 5.05 %
    ],
)
def test_health_extended__error_rate_across_the_seed_thresholds(
    api_client, errors, total, status, http_status
):
    traffic_with_errors(errors=errors, total=total)
    events_record(count=20, type="error", minutes_ago=61)
    response = api_client.get(URL)
    assert response.status_code == http_status
    document = response.json()
    assert document["errorRate"]["errors"] == errors
    assert document["errorRate"]["totalEvents"] == total
    assert document["errorRate"]["rate"] == round(errors / total * 100, 2)
    assert document["errorRate"]["status"] == status
    assert document["status"] == status
    if status != "healthy":
        assert "Error rate" in " ".join(document["reasons"])


@pytest.mark.parametrize(
    ("latency_ms", "status"),
    [
        (0, "healthy"),
        (49.99, "healthy"),
        (50, "degraded"),
        (100, "degraded"),
        (100.01, "unhealthy"),
    ],
)
def test_status_for_value__database_latency_bands(latency_ms, status):
    assert status_for_value(latency_ms, limits=settings.HEALTH["DATABASE_LATENCY_MS"]) == status


def _slow_select_one(seconds):
    def wrapper(execute, sql, params, many, context):
        if sql.strip() == "SELECT 1":
            time.sleep(seconds)
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.parametrize(
    ("delay_seconds", "status", "http_status"),
    [(0.065, "degraded", 200), (0.15, "unhealthy", 503)],
)
def test_health_extended__slow_database_degrades_then_fails(
    api_client, delay_seconds, status, http_status
):
    with connection.execute_wrapper(_slow_select_one(delay_seconds)):
        response = api_client.get(URL)
    assert response.status_code == http_status
    document = response.json()
    assert document["database"]["latencyMs"] >= delay_seconds * 1000
    assert document["database"]["status"] == status
    assert document["status"] == status
    assert "Database latency" in document["reasons"][0]


def _get_timed(api_client):
    started = time.monotonic()
    response = api_client.get(URL)
    return response, time.monotonic() - started


def _redis_cache_at(port):
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


@pytest.mark.parametrize("server", ["stopped", "hung"])
def test_health_extended__redis_down_answers_degraded_within_3_seconds(
    api_client, settings, closed_port, hung_port, server
):
    settings.CACHES = _redis_cache_at(closed_port if server == "stopped" else hung_port)
    response, seconds = _get_timed(api_client)
    assert seconds < 3
    document = response.json()
    assert response.status_code == 200
    assert document["status"] == "degraded"
    assert document["cache"]["status"] == "unhealthy"
    assert document["cache"]["latencyMs"] is None
    assert document["database"]["status"] == "healthy"
    assert any(reason.startswith("The cache did not answer") for reason in document["reasons"])


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("redis://:s3cret@127.0.0.1:{port}/0", "stopped"),
        ("amqp://guest:s3cret@127.0.0.1:{port}//", "stopped"),
        ("redis://:s3cret@127.0.0.1:{port}/0", "hung"),
        ("amqp://guest:s3cret@127.0.0.1:{port}//", "hung"),
    ],
)
def test_health_extended__unreachable_broker_answers_degraded_within_3_seconds(
    api_client, settings, closed_port, hung_port, url, server
):
    settings.CELERY_BROKER_URL = url.format(port=closed_port if server == "stopped" else hung_port)
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response, seconds = _get_timed(api_client)
    assert seconds < 3
    document = response.json()
    assert document["status"] == "degraded"
    assert document["broker"]["status"] == "unhealthy"
    assert document["broker"]["transport"] == url.split("://")[0]
    assert document["broker"]["error"]
    assert "s3cret" not in response.content.decode()


def test_health_extended__overdue_periodic_check_means_beat_is_down(
    api_client, process_started_long_ago
):
    HealthSnapshotFactory(created_at=timezone.now() - timedelta(minutes=16))
    document = api_client.get(URL).json()
    assert document["status"] == "degraded"
    assert document["periodicCheck"]["stale"] is True
    assert document["periodicCheck"]["expected"] is True
    assert document["periodicCheck"]["ageMinutes"] == 16
    assert "is Celery beat running?" in document["reasons"][0]


def test_health_extended__recent_periodic_check_is_not_stale(api_client, process_started_long_ago):
    HealthSnapshotFactory(created_at=timezone.now() - timedelta(minutes=14))
    document = api_client.get(URL).json()
    assert document["status"] == "healthy"
    assert document["periodicCheck"]["stale"] is False
    assert document["periodicCheck"]["ageMinutes"] == 14


def test_health_extended__fresh_install_without_checks_is_not_stale_unless_expected(
    api_client, settings, process_started_long_ago
):
    assert api_client.get(URL).json()["status"] == "healthy"
    settings.HEALTH = {**settings.HEALTH, "EXPECT_PERIODIC_CHECKS": True}
    document = api_client.get(URL).json()
    assert document["status"] == "degraded"
    assert document["periodicCheck"] == {
        "lastRunAt": None,
        "ageMinutes": None,
        "expected": True,
        "stale": True,
    }


def test_health_extended__a_just_restarted_process_gives_beat_time_to_catch_up(api_client):
    HealthSnapshotFactory(created_at=timezone.now() - timedelta(days=2))
    document = api_client.get(URL).json()
    assert document["status"] == HealthStatus.HEALTHY
    assert document["periodicCheck"]["ageMinutes"] == 2 * 24 * 60
