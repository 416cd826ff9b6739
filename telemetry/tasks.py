"""Celery tasks of the telemetry app: the roll-up run Celery beat schedules every 5 minutes."""

from celery import shared_task

from telemetry.aggregation import telemetry_rollup


@shared_task(name="telemetry.rollup")
def telemetry_rollup_task() -> int:
    """Add the events that arrived since the last run to the roll-ups; return how many."""
    return telemetry_rollup(since=None).events
