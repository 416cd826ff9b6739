"""Celery tasks of the errors app: the digest that counts reported occurrences."""

from celery import shared_task


@shared_task(name="errors.digest")
def error_digest_task() -> int:
    """Count every occurrence reported and not counted yet; return how many were counted."""
    from errors.digest import error_digest

    return error_digest().occurrences
