"""Celery tasks of the health app: the periodic check (beat runs it every 5 minutes)."""

from celery import shared_task

from health.services import health_check_run


@shared_task(name="health.check")
def health_check_task() -> str:
    """Run the health check, store it as a snapshot, alert on a status change; return the
    status."""
    return health_check_run(store=True).status
