"""A circuit breaker: after a dependency fails, skip it for a while instead of waiting on it.

A hung Redis or broker answers nothing until a socket timeout; without a breaker every request
would pay that timeout again. The breaker is per process: after a failure, calls are refused
at once for OUTAGE_SKIP_SECONDS, then let through again to find out whether it recovered.
"""

import threading
import time

from django.conf import settings


class CircuitBreaker:
    """Remember the last failure of one dependency and refuse calls for a while after it."""

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self.last_failure = ""

    def allows(self) -> bool:
        """Return whether a call may go to the dependency now."""
        return time.monotonic() >= self._skip_until

    def seconds_left(self) -> float:
        """Return how many more seconds calls are refused (0 when they are allowed)."""
        return max(0.0, self._skip_until - time.monotonic())

    def record_failure(self, error: BaseException) -> None:
        """Refuse calls for OUTAGE_SKIP_SECONDS from now, remembering `error`."""
        with self._lock:
            self._skip_until = time.monotonic() + settings.OUTAGE_SKIP_SECONDS
            self.last_failure = f"{type(error).__name__}: {error}"[:300]

    def reset(self) -> None:
        """Allow calls again at once (a test, or a probe that saw the dependency answer)."""
        with self._lock:
            self._skip_until = 0.0
            self.last_failure = ""

    def refusal(self) -> str:
        """Return the sentence explaining why a call is refused."""
        return (
            f"{self.name} is skipped for {self.seconds_left():.0f} more seconds after a "
            f"failure ({self.last_failure})"
        )
