"""Fixtures shared by every test: API clients, users, a clean cache, recording switched on,
and real local servers: a closed port, a hung port and a scripted webhook receiver."""

import socket
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from common.cache import cache_breakers_reset
from common.enqueue import broker_breaker
from errors import ingest
from tests.factories import UserFactory
from tests.servers import ScriptedReceiver, free_port


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
    """Start every test with empty rate-limit counters."""
    cache.clear()
    yield
    cache.clear()


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
