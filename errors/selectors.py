"""Reads of the errors app: triage lists, one group's detail, counts for the health check."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from errors.models import ErrorHourlyCount, ErrorLog, ErrorOccurrence, ErrorStatus, Severity

RECENT_OCCURRENCES = 20
TREND_HOURS = 48

# sortBy values of GET /api/errors and the ordering each means (most first).
SORTS = {
    "frequency": ("-frequency", "-last_seen", "-id"),
    "lastSeen": ("-last_seen", "-id"),
    "createdAt": ("-first_seen", "-id"),
}
OPEN_STATUSES = (ErrorStatus.NEW, ErrorStatus.ACKNOWLEDGED, ErrorStatus.REGRESSED)


def error_occurrence_count_since(*, since: datetime) -> int:
    """Return how many error reports were received since `since`."""
    return ErrorOccurrence.objects.filter(created_at__gte=since).count()


def error_open_critical_count() -> int:
    """Return how many critical error groups are open (new, acknowledged or regressed)."""
    return ErrorLog.objects.filter(severity=Severity.CRITICAL, status__in=OPEN_STATUSES).count()


def error_list(
    *,
    severity: str | None = None,
    resolved: bool | None = None,
    status: str | None = None,
    environment: str | None = None,
    sort_by: str = "frequency",
) -> QuerySet[ErrorLog]:
    """Return the error groups matching the filters, ordered by `sort_by` (most first)."""
    errors = ErrorLog.objects.all()
    if severity:
        errors = errors.filter(severity=severity)
    if resolved is not None:
        errors = errors.filter(resolved=resolved)
    if status:
        errors = errors.filter(status=status)
    if environment:
        errors = errors.filter(environment=environment)
    return errors.order_by(*SORTS[sort_by])


def error_get(*, error_id: int) -> ErrorLog | None:
    """Return the error group with `error_id`, or None."""
    return ErrorLog.objects.filter(pk=error_id).first()


def error_recent_occurrences(
    *, error: ErrorLog, limit: int = RECENT_OCCURRENCES
) -> list[ErrorOccurrence]:
    """Return the latest `limit` occurrences of `error`, newest first."""
    return list(error.occurrences.order_by("-created_at", "-id")[:limit])


def error_hourly_counts(*, error: ErrorLog, hours: int = TREND_HOURS) -> list[dict]:
    """Return the group's report count for each of the last `hours` hours, oldest first, with
    zeros for quiet hours (a trend line needs every point)."""
    current = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = current - timedelta(hours=hours - 1)
    counts = dict(
        ErrorHourlyCount.objects.filter(error=error, hour__gte=start).values_list("hour", "count")
    )
    return [
        {
            "hour": start + timedelta(hours=offset),
            "count": counts.get(start + timedelta(hours=offset), 0),
        }
        for offset in range(hours)
    ]
