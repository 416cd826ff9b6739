"""A fixed-window request counter in the cache, shared by every worker process.

With Redis the counter is one atomic INCR per request, so limits hold across gunicorn workers
and hosts; with the local-memory cache it holds within one process.
"""

import hashlib
import time

from django.core.cache import cache

from common.api import ApiError, client_address


def rate_limit_hit(*, scope: str, client: str, limit: int, window_seconds: int) -> None:
    """Count one request of `client` in `scope`; raise a 429 ApiError past `limit` per window.

    A cache outage lets the request through: losing the limiter must not lose the data.
    """
    if limit <= 0:
        return
    now = int(time.time())
    window_start = now - now % window_seconds
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    key = f"ratelimit:{scope}:{digest}:{window_start}"
    try:
        count = _count(key, timeout=window_seconds + 1)
    except Exception:
        return
    if count > limit:
        retry_after = max(1, window_start + window_seconds - now)
        raise ApiError(
            f"Too many requests: at most {limit} per {window_seconds} seconds. "
            f"Retry in {retry_after} seconds.",
            status_code=429,
            details={"limit": limit, "windowSeconds": window_seconds, "retryAfter": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def rate_limit_request(request, *, scope: str, config: dict) -> None:
    """Count one request of the calling client against an app's RATE_LIMIT_* settings."""
    rate_limit_hit(
        scope=scope,
        client=client_address(request),
        limit=config["RATE_LIMIT_REQUESTS"],
        window_seconds=config["RATE_LIMIT_WINDOW_SECONDS"],
    )


def _count(key: str, *, timeout: int) -> int:
    # Every request but a window's first finds the counter: one round trip, not two.
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)
