"""A hung Redis or broker (a real local socket that accepts and never answers): every endpoint
answers within 3 s with its data stored, in process and from a real gunicorn worker,
/api/health/extended says which part is down, and the alerts that could not be enqueued are
delivered once the broker is back."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings as django_settings

from alerts.models import AlertDelivery
from alerts.tasks import alert_deliver_due_task
from config.celery import app as celery_app
from errors.digest import error_digest
from errors.models import ErrorLog, ErrorOccurrence
from feedback.models import FeedbackSubmission
from telemetry.models import TelemetryEvent
from tests.servers import database_url, free_port

pytestmark = pytest.mark.django_db

ANSWER_WITHIN_SECONDS = 3


def _point_celery_at(url: str, options: dict) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    # Drop the pooled connections to the previous broker; new ones go to `url`.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def hang(settings, hung_port):
    """Return a function pointing the cache and/or the broker at the hung server, as
    config/settings.py would configure them for such a REDIS_URL / CELERY_BROKER_URL."""
    original = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    timeout = django_settings.CELERY_BROKER_TIMEOUT

    def point(part: str) -> None:
        if part == "cache":
            settings.CACHES = {
                "default": {
                    "BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": f"redis://127.0.0.1:{hung_port}/0",
                    "OPTIONS": {
                        "SOCKET_CONNECT_TIMEOUT": 1,
                        "SOCKET_TIMEOUT": 1,
                        "CONNECTION_POOL_CLASS": "common.cache.CircuitBreakerConnectionPool",
                    },
                }
            }
            return
        if part == "redis-broker":
            url = f"redis://127.0.0.1:{hung_port}/0"
            options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        else:
            url = f"amqp://guest:guest@127.0.0.1:{hung_port}//"
            options = {"read_timeout": timeout, "write_timeout": timeout}
        settings.CELERY_BROKER_URL = url
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
        _point_celery_at(url, options)

    yield point
    _point_celery_at(*original)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "parts",
    [("cache",), ("redis-broker",), ("amqp-broker",), ("cache", "redis-broker")],
    ids=["hung-redis-cache", "hung-redis-broker", "hung-amqp-broker", "hung-redis-for-both"],
)
def test_hung_dependency__every_endpoint_answers_within_3_seconds_and_keeps_the_data(
    api_client, hang, receiver, parts, django_capture_on_commit_callbacks
):
    for part in parts:
        hang(part)
    requests = [
        *(
            lambda n=n: post_json(
                api_client,
                "/api/errors",
                {"errorType": f"Crash{n}", "message": "down", "severity": "critical"},
            )
            for n in range(3)
        ),
        lambda: post_json(
            api_client,
            "/api/telemetry/batch",
            {"events": [{"type": "page_view", "page": "/"}, {"type": "action", "action": "a"}]},
        ),
        lambda: post_json(api_client, "/api/feedback", {"message": "It broke", "category": "bug"}),
        lambda: api_client.get("/api/health"),
    ]
    for request in requests:
        with django_capture_on_commit_callbacks(execute=True):
            response, seconds = timed(request)
        assert seconds < ANSWER_WITHIN_SECONDS, (
            f"{response.request['PATH_INFO']} took {seconds:.1f} s"
        )
        assert response.status_code in (200, 201), response.content

    assert set(ErrorLog.objects.values_list("error_type", flat=True)) >= {
        "Crash0",
        "Crash1",
        "Crash2",
    }
    assert TelemetryEvent.objects.count() == 2
    assert FeedbackSubmission.objects.filter(message="It broke").exists()
    # The digest (sent by the reports, or the beat's catch-up when the broker is down) records
    # each critical report's alert, whether or not its delivery's enqueue goes through.
    error_digest()
    assert AlertDelivery.objects.filter(kind="error.new_critical", status="pending").count() == 3

    response, seconds = timed(lambda: api_client.get("/api/health/extended"))
    assert seconds < ANSWER_WITHIN_SECONDS
    document = response.json()
    # (The overall status is unhealthy anyway: 4 error reports beside 2 events.)
    cache_down = "cache" in parts
    broker_down = any(part.endswith("broker") for part in parts)
    assert (document["cache"]["status"] == "unhealthy") is cache_down
    assert (document["broker"]["status"] == "unhealthy") is broker_down
    assert (
        any(reason.startswith("The cache did not answer") for reason in document["reasons"])
        is cache_down
    )
    assert (
        any(reason.startswith("The broker did not answer") for reason in document["reasons"])
        is broker_down
    )


def test_hung_broker__alerts_not_enqueued_are_delivered_when_it_is_back(
    api_client, hang, receiver, django_capture_on_commit_callbacks
):
    hang("redis-broker")
    with django_capture_on_commit_callbacks(execute=True):
        post_json(
            api_client,
            "/api/errors",
            {"errorType": "Crash", "message": "down", "severity": "critical"},
        )
    # The report is stored; the digest that counts it waits for the broker (or the beat).
    assert ErrorOccurrence.objects.count() == 1
    assert not AlertDelivery.objects.exists()

    # The broker is back: the beat's catch-up digest counts the report and records its alert,
    # whose enqueue fails (the broker is still hung in this process) ...
    error_digest()
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert receiver.accepted == []
    # ... and beat's every-minute catch-up runs in a worker and delivers it.
    alert_deliver_due_task.apply()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [alert["title"] for alert in receiver.accepted] == ["New critical error: Crash: down"]


def test_hung_redis__after_one_timeout_the_next_requests_do_not_wait_again(
    api_client, hang, receiver, django_capture_on_commit_callbacks
):
    hang("cache")
    hang("redis-broker")
    started = time.monotonic()
    for n in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_json(
                api_client,
                "/api/errors",
                {"errorType": f"Crash{n}", "message": "down", "severity": "critical"},
            )
        assert response.status_code == 201
    # One cache timeout and one broker timeout in all, not two per report.
    assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
    started = time.monotonic()
    error_digest()
    assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
    assert AlertDelivery.objects.filter(status="pending").count() == 6


def _http(method: str, url: str, body: dict | None = None) -> tuple[int, dict, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    return status, json.loads(content), time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_gunicorn__a_hung_redis_never_stops_the_worker_answering(hung_port, receiver, tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{hung_port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{hung_port}/0",
        "ALERT_WEBHOOK_URL": receiver.url,
        "TELEMETRY_ENABLED": "true",
        "PORT": str(port),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _http("GET", f"{base}/api/health")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                time.sleep(0.2)
        for n in range(3):
            critical = {"errorType": f"Crash{n}", "message": "down", "severity": "critical"}
            status, _, seconds = _http("POST", f"{base}/api/errors", critical)
            assert (status, seconds < ANSWER_WITHIN_SECONDS) == (201, True)
        status, body, seconds = _http("GET", f"{base}/api/health")
        assert (status, body, seconds < ANSWER_WITHIN_SECONDS) == (200, {"status": "ok"}, True)
        _, document, seconds = _http("GET", f"{base}/api/health/extended")
        assert seconds < ANSWER_WITHIN_SECONDS
        assert (document["cache"]["status"], document["broker"]["status"]) == (
            "unhealthy",
            "unhealthy",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert ErrorLog.objects.filter(severity="critical").count() == 3
    # The worker could not send the digest to the hung broker; the beat's catch-up counts them.
    assert error_digest().occurrences == 3
    assert AlertDelivery.objects.filter(status="pending").count() == 3
