"""Reads of the errors app: triage lists, one group's detail, counts for the health check."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
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

# The orders of error_group_page (most first); ties go to the most recent.
ORDERINGS = {
    "frequency": ("-frequency", "-last_seen", "-id"),
    "last_seen": ("-last_seen", "-id"),
    "first_seen": ("-first_seen", "-id"),
    "severity": ("-severity_rank", "-last_seen", "-id"),
}
OPEN_STATUSES = (ErrorStatus.NEW, ErrorStatus.ACKNOWLEDGED, ErrorStatus.REGRESSED)
# The triage page's status filters: "unresolved" is every open status.
TRIAGE_STATUS_FILTERS = {
    "unresolved": OPEN_STATUSES,
    "resolved": (ErrorStatus.RESOLVED,),
    "regressed": (ErrorStatus.REGRESSED,),
    "ignored": (ErrorStatus.IGNORED,),
    "new": (ErrorStatus.NEW,),
    "acknowledged": (ErrorStatus.ACKNOWLEDGED,),
}


def error_occurrence_count_since(
    *, since: datetime, project_ids: Collection[int] | None = None
) -> int:
    """Return how many error reports of the projects `project_ids` (None: all) were received
    since `since`."""
    occurrences = ErrorOccurrence.objects.filter(created_at__gte=since)
    if project_ids is not None:
        occurrences = occurrences.filter(error__project_id__in=project_ids)
    return occurrences.count()


def error_open_critical_count() -> int:
    """Return how many critical error groups are open (new, acknowledged or regressed)."""
    return ErrorLog.objects.filter(severity=Severity.CRITICAL, status__in=OPEN_STATUSES).count()


def error_find(*, error_id: int, project_ids: Collection[int] | None = None) -> ErrorLog | None:
    """Return the error group with `error_id` (when it is in one of `project_ids`, if given),
    or None."""
    errors = ErrorLog.objects.select_related("project").filter(pk=error_id)
    if project_ids is not None:
        errors = errors.filter(project_id__in=project_ids)
    return errors.first()


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


@dataclass(frozen=True)
class ErrorGroupPage:
    """One page of error groups; `total` counts every match, when it was asked for."""

    errors: list[ErrorLog]
    has_next: bool
    total: int | None = None


def error_group_page(
    *,
    severity: str | None = None,
    statuses: Collection[str] | None = None,
    resolved: bool | None = None,
    environment: str | None = None,
    build_id: str | None = None,
    search: str | None = None,
    order: str = "frequency",
    offset: int = 0,
    limit: int = 50,
    with_total: bool = False,
    with_text: bool = True,
    project_ids: Collection[int] | None = None,
) -> ErrorGroupPage:
    """Return the page of error groups matching the filters, most first by `order` (a key of
    ORDERINGS), from `offset`.

    `search` matches the error type or message. Without `with_text` the heavy columns (stack,
    metadata) are left unread, for lists that never show them. `project_ids` (None: every
    project) limits the page to those projects' groups.
    """
    errors = ErrorLog.objects.select_related("project")
    if not with_text:
        errors = errors.defer("stack", "metadata")
    if project_ids is not None:
        errors = errors.filter(project_id__in=project_ids)
    if severity:
        errors = errors.filter(severity=severity)
    if statuses:
        errors = errors.filter(status__in=statuses)
    if resolved is not None:
        errors = errors.filter(resolved=resolved)
    if environment:
        errors = errors.filter(environment=environment)
    if build_id:
        errors = errors.filter(build_id=build_id)
    if search:
        errors = errors.filter(Q(error_type__icontains=search) | Q(message__icontains=search))
    if order == "severity":
        errors = errors.annotate(severity_rank=severity_rank_expression())
    errors = errors.order_by(*ORDERINGS[order])
    # One row more than a page says whether there is a next page, without counting the table.
    rows = list(errors[offset : offset + limit + 1])
    return ErrorGroupPage(
        errors=rows[:limit],
        has_next=len(rows) > limit,
        total=errors.count() if with_total else None,
    )


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
