"""The circuit breakers in front of the cache and the broker: a failure makes this process skip
the dependency for OUTAGE_SKIP_SECONDS, after which it is tried again and used if it answers."""

import socket
import threading
import time

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from common.breaker import CircuitBreaker
from common.enqueue import task_enqueue
from common.tasks import purge_expired_task
from config.celery import app as celery_app


class ClosingServer:
    """A local TCP server that accepts each connection and closes it at once; counts them."""

    def __init__(self):
        self.accepted = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            client.close()

    def close(self):
        self._listener.close()


@pytest.fixture
def broker_closing_connections():
    """Point Celery at a broker that accepts connections and drops them; yield the server."""
    server = ClosingServer()
    original = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)

    def point(url, options):
        celery_app.conf.broker_url = url
        celery_app.conf.broker_transport_options = options
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point(f"redis://127.0.0.1:{server.port}/0", {"socket_timeout": 1, "socket_connect_timeout": 1})
    yield server
    point(*original)
    server.close()


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


def test_task_enqueue__a_failing_broker_is_skipped_then_tried_again(
    settings, broker_closing_connections
):
    settings.OUTAGE_SKIP_SECONDS = 0.2
    assert task_enqueue(task=purge_expired_task) is False
    tried = broker_closing_connections.accepted
    assert tried >= 1
    assert task_enqueue(task=purge_expired_task) is False
    assert broker_closing_connections.accepted == tried, "skipped without connecting"
    time.sleep(0.3)
    assert task_enqueue(task=purge_expired_task) is False
    assert broker_closing_connections.accepted > tried, "tried again after the skip interval"


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
