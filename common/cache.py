"""Redis connections for the cache that give up at once while Redis is known to be failing.

django-redis builds its pool from CONNECTION_POOL_CLASS; this pool makes connections that
share one circuit breaker per Redis server. A connect, send or read that fails or times out
(SOCKET_TIMEOUT) trips it; while it is open every cache call fails at once with a
ConnectionError, which the callers already treat as "no cache" (the rate limiter lets the
request through, the health probe reports the cache as down).
"""

from redis.connection import Connection, ConnectionPool, SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.breaker import CircuitBreaker

_breakers: dict[str, CircuitBreaker] = {}


def cache_breaker(*, host: str, port: int) -> CircuitBreaker:
    """Return the breaker of the Redis server at `host`:`port` (one per process)."""
    key = f"{host}:{port}"
    if key not in _breakers:
        _breakers[key] = CircuitBreaker(f"The cache (Redis at {key})")
    return _breakers[key]


def cache_breakers_reset() -> None:
    """Close every cache breaker (tests start each case with a reachable cache)."""
    for breaker in _breakers.values():
        breaker.reset()


class _BreakerMixin:
    _failures = (RedisConnectionError, RedisTimeoutError, OSError)

    @property
    def breaker(self) -> CircuitBreaker:
        return cache_breaker(host=self.host, port=self.port)

    def _refuse_when_open(self):
        if not self.breaker.allows():
            raise RedisConnectionError(self.breaker.refusal())

    def connect(self):
        self._refuse_when_open()
        try:
            return super().connect()
        except self._failures as error:
            self.breaker.record_failure(error)
            raise

    def send_packed_command(self, command, check_health=True):
        self._refuse_when_open()
        try:
            return super().send_packed_command(command, check_health=check_health)
        except self._failures as error:
            self.breaker.record_failure(error)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except self._failures as error:
            self.breaker.record_failure(error)
            raise


class BreakerConnection(_BreakerMixin, Connection):
    """A TCP connection to Redis behind the server's circuit breaker."""


class BreakerSSLConnection(_BreakerMixin, SSLConnection):
    """A TLS connection (rediss://) to Redis behind the server's circuit breaker."""


class CircuitBreakerConnectionPool(ConnectionPool):
    """A redis-py pool whose connections stop trying while their server is failing."""

    def __init__(self, connection_class=Connection, **kwargs):
        if issubclass(connection_class, SSLConnection):
            connection_class = BreakerSSLConnection
        elif connection_class is Connection:
            connection_class = BreakerConnection
        super().__init__(connection_class=connection_class, **kwargs)
