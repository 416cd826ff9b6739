"""Enqueueing Celery tasks from a request: bounded, and never an error for the caller.

The broker's socket and connect timeouts (config/settings.py) bound one attempt; publishing is
not retried, and after a failure this process skips the broker for OUTAGE_SKIP_SECONDS, so a
hung broker costs one timeout per interval, not one per request. Work that must not be lost
is written to the database first and picked up by a periodic task when its enqueue fails
(alert deliveries do this).
"""

import logging

from django.db import transaction

from common.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

broker_breaker = CircuitBreaker("The broker")


def task_enqueue(*, task, args: tuple = (), countdown: float | None = None) -> bool:
    """Send `task` with `args` (due in `countdown` seconds) to the broker once; return whether
    it was sent."""
    if not broker_breaker.allows():
        logger.warning("Not enqueueing %s%r: %s", task.name, args, broker_breaker.refusal())
        return False
    try:
        task.apply_async(args=args, countdown=countdown, retry=False)
    except Exception as error:
        broker_breaker.record_failure(error)
        logger.warning(
            "Could not enqueue %s%r: %s: %s", task.name, args, type(error).__name__, error
        )
        return False
    return True


def task_enqueue_on_commit(*, task, args: tuple = ()) -> None:
    """Send `task` with `args` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task_enqueue(task=task, args=args))
