"""Celery tasks of the errors app: spike checks, enqueued after a report commits."""

from datetime import datetime

from celery import shared_task


@shared_task(name="errors.spike_check")
def error_spike_check_task(error_id: int, hour: str) -> bool:
    """Check whether one group's count in `hour` (ISO 8601) is a spike, and alert if so."""
    from errors.services import error_spike_check

    return error_spike_check(error_id=error_id, hour=datetime.fromisoformat(hour))
