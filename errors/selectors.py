"""Reads of the errors app: triage lists, one group's detail, counts for the health check."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from errors.models import (
    ErrorHourlyCount,
    ErrorLog,
    ErrorOccurrence,
    ErrorStatus,
    ErrorStatusChange,
    Severity,
    severity_rank_expression,
)

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


def error_status_history(*, error: ErrorLog, limit: int = 50) -> list[ErrorStatusChange]:
    """Return the latest `limit` status changes of `error`, newest first, with who made them."""
    return list(
        error.status_changes.select_related("changed_by").order_by("-created_at", "-id")[:limit]
    )


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


# Triage filters beyond a single status: "unresolved" is every open status.
TRIAGE_STATUS_FILTERS = {
    "unresolved": OPEN_STATUSES,
    "resolved": (ErrorStatus.RESOLVED,),
    "regressed": (ErrorStatus.REGRESSED,),
    "ignored": (ErrorStatus.IGNORED,),
    "new": (ErrorStatus.NEW,),
    "acknowledged": (ErrorStatus.ACKNOWLEDGED,),
}
TRIAGE_SORTS = {**SORTS, "severity": ("-severity_rank", "-last_seen", "-id")}


def error_triage_list(
    *,
    severity: str | None = None,
    status: str | None = None,
    environment: str | None = None,
    build_id: str | None = None,
    search: str | None = None,
    sort_by: str = "frequency",
) -> QuerySet[ErrorLog]:
    """Return the error groups of the triage page, most first by `sort_by`, without the heavy
    columns (stack, metadata).

    `status` is a key of TRIAGE_STATUS_FILTERS; `search` matches the error type or message.
    """
    errors = ErrorLog.objects.defer("stack", "metadata")
    if severity:
        errors = errors.filter(severity=severity)
    if status:
        errors = errors.filter(status__in=TRIAGE_STATUS_FILTERS[status])
    if environment:
        errors = errors.filter(environment=environment)
    if build_id:
        errors = errors.filter(build_id=build_id)
    if search:
        errors = errors.filter(Q(error_type__icontains=search) | Q(message__icontains=search))
    if sort_by == "severity":
        errors = errors.annotate(severity_rank=severity_rank_expression())
    return errors.order_by(*TRIAGE_SORTS[sort_by])


def error_hourly_counts_by_error(*, error_ids: list[int], hours: int) -> dict[int, list[int]]:
    """Return, for each of `error_ids`, its report counts of the last `hours` hours, oldest
    first with zeros for quiet hours, in one query (a trend line per triage row)."""
    current = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = current - timedelta(hours=hours - 1)
    trends = {error_id: [0] * hours for error_id in error_ids}
    rows = ErrorHourlyCount.objects.filter(error_id__in=error_ids, hour__gte=start).values_list(
        "error_id", "hour", "count"
    )
    for error_id, hour, count in rows:
        trends[error_id][int((hour - start).total_seconds() // 3600)] = count
    return trends


ENVIRONMENTS_CACHE_SECONDS = 300


def error_environments() -> list[str]:
    """Return the environments errors were reported from, alphabetically (triage filter).

    The list needs a scan of every group, so it is cached for ENVIRONMENTS_CACHE_SECONDS.
    """

    def scan() -> list[str]:
        return sorted(
            ErrorLog.objects.exclude(environment="")
            .values_list("environment", flat=True)
            .distinct()
            .order_by()
        )

    try:
        return cache.get_or_set("errors:environments", scan, ENVIRONMENTS_CACHE_SECONDS)
    except Exception:
        # A cache outage must not take the triage page down with it.
        return scan()
