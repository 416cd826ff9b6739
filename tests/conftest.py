"""Fixtures shared by every test: API clients, users, a clean cache, recording switched on."""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from common.cache import cache_breakers_reset
from common.enqueue import broker_breaker
from tests.factories import UserFactory


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
