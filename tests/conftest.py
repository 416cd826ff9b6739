"""Fixtures shared by every test: API clients, users, a clean cache, recording switched on,
and real local servers: a closed port, a hung port, a scripted and a recording webhook
receiver; Celery tasks run in the test process where a test asks (celery_in_process)."""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from common.cache import cache_breakers_reset
from common.enqueue import broker_breaker
from config.celery import app as celery_app
from errors import ingest
from projects.selectors import project_rate_limits_forget
from tests.factories import UserFactory
from tests.servers import ScriptedReceiver, database_url, free_port

ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session):
    """Say which database the run uses, and why, also under -q (which hides report headers)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(_database_line())


def _database_line() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = database["TEST"].get("NAME") or f"test_{database['NAME']}"
    where = (
        f"{database['HOST']}:{database['PORT']}/{name}"
        if connection.vendor == "postgresql"
        else name
    )
    return f"database: {connection.vendor} at {where} ({settings.TEST_DATABASE_REASON})"


@pytest.fixture(autouse=True)
def clean_cache():
    """Start every test with empty rate-limit counters, and projects' rate limits read afresh
    (a rolled-back project may have left its own in this process's memo)."""
    cache.clear()
    project_rate_limits_forget()
    yield
    cache.clear()
    project_rate_limits_forget()


@pytest.fixture(autouse=True)
def outage_breakers_closed():
    """Start every test trusting the cache and the broker again (a test may have tripped a
    breaker by pointing them at a hung server)."""
    cache_breakers_reset()
    broker_breaker.reset()
    yield
    cache_breakers_reset()
    broker_breaker.reset()


@pytest.fixture(autouse=True)
def digest_sent_for_the_next_report(monkeypatch):
    """Have this test's first committed report send the digest task (an earlier test's report
    must not make this process wait out its delay)."""
    monkeypatch.setattr(ingest, "_next_digest_at", 0.0)


@pytest.fixture(autouse=True)
def telemetry_recording_on(settings):
    """Record telemetry in tests unless a test switches it off; the service's own requests are
    not recorded (no background flusher writing beside the test's transaction)."""
    settings.TELEMETRY = {
        **settings.TELEMETRY,
        "ENABLED": True,
        "SELF_SAMPLE_RATE": 0.0,
        "SELF_FLUSH_SECONDS": 0,
    }


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture
def user_client(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.fixture
def on_postgres():
    """Skip, saying why, when the test needs PostgreSQL and runs on SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it there")


@pytest.fixture
def closed_port():
    """Return a local TCP port nothing listens on (connections are refused at once)."""
    return free_port()


@pytest.fixture
def hung_port():
    """Return a local TCP port whose server accepts every connection and never answers."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    held, stop = [], threading.Event()

    def accept_and_hold():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()
    for client in held:
        client.close()


@pytest.fixture
def receiver(settings):
    """A scripted webhook receiver set as ALERT_WEBHOOK_URL, with a 1 s webhook timeout."""
    scripted = ScriptedReceiver()
    settings.ALERT_WEBHOOK_URL = scripted.url
    settings.ALERT_EMAILS = []
    settings.ALERTS = {**settings.ALERTS, "WEBHOOK_TIMEOUT_SECONDS": 1}
    yield scripted
    scripted.close()


@pytest.fixture
def gunicorn_server(django_db_setup, django_db_blocker):
    """Start `gunicorn -c gunicorn.conf.py config.wsgi` on a free port with one worker of two
    threads and short arrival bounds; return a function giving its port once it answers
    (`.masters` maps each port to its master's pid); `env` adds to its environment."""
    processes = []

    def start(*, header_timeout=1.0, body_timeout=2.0, env: dict | None = None):
        port = free_port()
        with django_db_blocker.unblock():
            url = database_url()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
            "GUNICORN_HEADER_TIMEOUT": str(header_timeout),
            "GUNICORN_BODY_TIMEOUT": str(body_timeout),
            "TELEMETRY_ENABLED": "true",
            "TELEMETRY_SELF_SAMPLE_RATE": "0",
            "GUNICORN_LOG_LEVEL": "warning",
            **(env or {}),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        start.masters[port] = process.pid
        deadline = time.monotonic() + 30
        while True:
            try:
                if _http_get_status(port, "/api/health") == 200:
                    return port
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start: " + process.stderr.read().decode())
            time.sleep(0.2)

    start.masters = {}
    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _http_get_status(port: int, path: str) -> int:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        client.request("GET", path)
        return client.getresponse().status
    finally:
        client.close()


@pytest.fixture
def http_receiver():
    """Serve a local HTTP endpoint that records every POST; yield its base URL and the list."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def celery_in_process():
    """Run tasks in the test process when they are enqueued (this test only)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def rate_window_early(*, window_seconds: int = 60, room_seconds: float = 5) -> None:
    """Wait, when fewer than `room_seconds` remain of the current rate-limit window
    (common.ratelimit's windows are fixed, aligned to the epoch), for the next one to begin, so
    the requests a test counts up to a limit all fall into one window."""
    left = window_seconds - time.time() % window_seconds
    if left < room_seconds:
        time.sleep(left + 0.05)


@pytest.fixture
def one_rate_window():
    """Start the test with at least 5 seconds left of its 60-second rate-limit window."""
    rate_window_early()
