"""A fixed-window request counter in the cache, shared by every worker process.

With Redis the counter is one atomic INCR per request, so limits hold across gunicorn workers
and hosts; with the local-memory cache it holds within one process.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

from common.api import ApiError


@dataclass(frozen=True)
class RateCount:
    """One client's requests in the current window of a scope, this one included."""

    count: int
    window_seconds: int
    retry_after: int


def rate_limit_count(*, scope: str, client: str, window_seconds: int) -> RateCount | None:
    """Count one request of `client` in `scope`'s current window; None when the cache is down
    (losing the limiter must not lose the data)."""
    now = int(time.time())
    window_start = now - now % window_seconds
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    key = f"ratelimit:{scope}:{digest}:{window_start}"
    try:
        count = _count(key, timeout=window_seconds + 1)
    except Exception:
        return None
    return RateCount(
        count=count,
        window_seconds=window_seconds,
        retry_after=max(1, window_start + window_seconds - now),
    )


def rate_limit_refuse_over(counted: RateCount | None, *, limit: int | None) -> None:
    """Raise a 429 ApiError when `counted` is over `limit` (None or 0: no limit)."""
    if counted is None or not limit or counted.count <= limit:
        return
    raise ApiError(
        f"Too many requests: at most {limit} per {counted.window_seconds} seconds. "
        f"Retry in {counted.retry_after} seconds.",
        status_code=429,
        details={
            "limit": limit,
            "windowSeconds": counted.window_seconds,
            "retryAfter": counted.retry_after,
        },
        headers={"Retry-After": str(counted.retry_after)},
    )


def _count(key: str, *, timeout: int) -> int:
    # Every request but a window's first finds the counter: one round trip, not two.
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)
