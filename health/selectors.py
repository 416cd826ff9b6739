"""Reads of the health app: the stored periodic checks."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from health.models import HealthSnapshot


def health_snapshot_latest() -> HealthSnapshot | None:
    """Return the most recent stored check, or None before the first one."""
    return HealthSnapshot.objects.order_by("-created_at").first()


def health_snapshots_recent(*, hours: int) -> QuerySet[HealthSnapshot]:
    """Return the checks of the last `hours` hours, newest first, without their documents."""
    since = timezone.now() - timedelta(hours=hours)
    return (
        HealthSnapshot.objects.filter(created_at__gte=since)
        .defer("document")
        .order_by("-created_at")
    )
