"""Celery tasks of the shared package: the daily retention run."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="common.purge_expired")
def purge_expired_task() -> None:
    """Run `manage.py purge_expired` (Celery beat schedules it daily)."""
    call_command("purge_expired")
