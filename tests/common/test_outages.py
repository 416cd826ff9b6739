"""The circuit breakers in front of the cache and the broker: a failure makes this process skip
the dependency for OUTAGE_SKIP_SECONDS, after which it is tried again and used if it answers."""

import socket
import time

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from common.breaker import CircuitBreaker
from common.enqueue import broker_breaker, task_enqueue
from common.tasks import purge_expired_task
from config.celery import app as celery_app


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_at_closed_port(closed_port):
    original = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)

    def point(url, options):
        celery_app.conf.broker_url = url
        celery_app.conf.broker_transport_options = options
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point(f"redis://127.0.0.1:{closed_port}/0", {"socket_connect_timeout": 1})
    yield
    point(*original)


def test_circuit_breaker__refuses_after_a_failure_then_allows_again(settings):
    settings.OUTAGE_SKIP_SECONDS = 0.2
    breaker = CircuitBreaker("The thing")
    assert breaker.allows()
    breaker.record_failure(TimeoutError("Timeout reading from socket"))
    assert not breaker.allows()
    assert breaker.refusal().startswith("The thing is skipped for")
    assert "TimeoutError: Timeout reading from socket" in breaker.refusal()
    time.sleep(0.3)
    assert breaker.allows()


def test_task_enqueue__a_refusing_broker_is_skipped_then_tried_again(
    settings, broker_at_closed_port, caplog
):
    settings.OUTAGE_SKIP_SECONDS = 0.2
    assert task_enqueue(task=purge_expired_task) is False
    assert "Could not enqueue common.purge_expired" in caplog.text
    assert task_enqueue(task=purge_expired_task) is False
    assert "Not enqueueing common.purge_expired" in caplog.text
    time.sleep(0.3)
    assert broker_breaker.allows()
    assert task_enqueue(task=purge_expired_task) is False
    assert caplog.text.count("Could not enqueue") == 2, "tried again after the skip interval"


def test_cache__a_refusing_redis_is_skipped_then_tried_again(settings, closed_port):
    settings.OUTAGE_SKIP_SECONDS = 0.2
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "CONNECTION_POOL_CLASS": "common.cache.CircuitBreakerConnectionPool",
            },
        }
    }
    with pytest.raises(RedisConnectionError, match="refused"):
        cache.get("key")
    with pytest.raises(RedisConnectionError, match="is skipped for"):
        cache.get("key")
    time.sleep(0.3)
    with pytest.raises(RedisConnectionError, match="refused"):
        cache.get("key")
