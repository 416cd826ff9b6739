"""Reads of the telemetry app: the metrics behind GET /api/telemetry and the dashboards."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from telemetry.aggregation import EventSlice, rollup_raw_slice, rollup_watermark
from telemetry.models import (
    ANY_TYPE,
    EventType,
    TelemetryAggregate,
    TelemetryDailyAggregate,
    TelemetryDailyDurationAggregate,
    TelemetryDailySketch,
    TelemetryDailyUnique,
    TelemetryDurationAggregate,
    TelemetryEvent,
    UniqueKind,
)
from telemetry.sketches import (
    histogram_merge,
    histogram_quantiles,
    sketch_add,
    sketch_estimate,
    sketch_merge,
)
from telemetry.sql import db_dialect

TOP_PAGES = 10
QUANTILES = (0.5, 0.95, 0.99)
UNKNOWN_DEVICE = "unknown"


@dataclass(frozen=True)
class DayCount:
    """How many events a UTC day of the window has."""

    date: date
    count: int


@dataclass(frozen=True)
class PageCount:
    """How many events a page has (page views, or the events of the type asked for)."""

    page: str
    count: int


@dataclass(frozen=True)
class Quantiles:
    """The p50, p95 and p99 of a set of durations (None when the set is empty)."""

    p50: float | None
    p95: float | None
    p99: float | None


@dataclass(frozen=True)
class ApiCallMetrics:
    """The `api_call` events of a window: how many, their quantiles and mean duration."""

    count: int
    durations: Quantiles
    avg: float | None


@dataclass(frozen=True)
class TelemetryMetrics:
    """The metrics of a window of whole UTC days (see telemetry_metrics)."""

    days: int
    event_type: str | None
    window_start: datetime
    generated_at: datetime
    rolled_up_until: datetime | None
    total_events: int
    unique_sessions: int
    unique_users: int
    by_type: dict[str, int]
    by_day: list[DayCount]
    top_pages: list[PageCount]
    by_device_type: dict[str, int]
    durations: Quantiles
    api_calls: ApiCallMetrics


@dataclass(frozen=True)
class EventCounts:
    """How many events arrived in a period, and how many of them are errors."""

    total: int
    errors: int


@dataclass(frozen=True)
class ApiCallQuantiles:
    """The `api_call` p50/p95/p99 of each bucket of a series (None where it has none)."""

    p50: list[float | None]
    p95: list[float | None]
    p99: list[float | None]


@dataclass(frozen=True)
class TelemetrySeries:
    """A window as a time series: `bucket` is "hour" or "day", `labels` the bucket starts."""

    bucket: str
    labels: list[datetime]
    by_type: dict[str, list[int]]
    api_calls: ApiCallQuantiles


def telemetry_metrics(
    *,
    days: int,
    event_type: str | None,
    project_ids: list[int] | None,
    now: datetime | None = None,
) -> TelemetryMetrics:
    """Return the metrics of the last `days` UTC days (today included), of one type or all,
    of the projects `project_ids` (None: every project).

    Events the roll-ups hold are read from their daily sums, the others (newer or late) from
    raw events (see telemetry_rollup), so the answer is the same before and after raw events pass
    retention, and a month costs a few thousand rows.
    `top_pages` counts page views, or the events of `event_type` when one is given; `api_calls`
    always describes `api_call` events. Durations are in milliseconds.
    """
    now = now or timezone.now()
    first_day = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    watermark = rollup_watermark()
    raw_from = _raw_slice(since=start, project_ids=project_ids)

    groups = _count_groups(
        start=start, raw_from=raw_from, event_type=event_type, project_ids=project_ids
    )
    by_day = dict.fromkeys((first_day + timedelta(days=n) for n in range(days)), 0)
    by_type: Counter = Counter()
    by_device: Counter = Counter()
    pages: Counter = Counter()
    page_type = event_type or EventType.PAGE_VIEW
    for day, type_, page, device_type, count in groups:
        if day in by_day:
            by_day[day] += count
        by_type[type_] += count
        by_device[device_type or UNKNOWN_DEVICE] += count
        if page and type_ == page_type:
            pages[page] += count

    histograms = _duration_histograms(
        start=start, raw_from=raw_from, event_type=event_type, project_ids=project_ids
    )
    overall = histogram_quantiles(histogram_merge(h for h, _ in histograms.values()), QUANTILES)
    if event_type not in (None, EventType.API_CALL):
        histograms = _duration_histograms(
            start=start, raw_from=raw_from, event_type=EventType.API_CALL, project_ids=project_ids
        )
    unique = {
        kind: _unique_count(
            kind=kind,
            start=start,
            raw_from=raw_from,
            event_type=event_type,
            project_ids=project_ids,
        )
        for kind in (UniqueKind.SESSION, UniqueKind.USER)
    }
    return TelemetryMetrics(
        days=days,
        event_type=event_type,
        window_start=start,
        generated_at=now,
        rolled_up_until=watermark,
        total_events=sum(by_type.values()),
        unique_sessions=unique[UniqueKind.SESSION],
        unique_users=unique[UniqueKind.USER],
        by_type=dict(by_type.most_common()),
        by_day=[DayCount(date=day, count=count) for day, count in by_day.items()],
        top_pages=[
            PageCount(page=page, count=count)
            for page, count in sorted(pages.items(), key=lambda item: (-item[1], item[0]))
        ][:TOP_PAGES],
        by_device_type=dict(by_device.most_common()),
        durations=Quantiles(*overall),
        api_calls=_api_call_metrics(*histograms.get(EventType.API_CALL, ({}, 0))),
    )


def _api_call_metrics(histogram: dict[int, int], total: int) -> ApiCallMetrics:
    """Return the count, quantiles and mean of the `api_call` durations of a window."""
    count = sum(histogram.values())
    return ApiCallMetrics(
        count=count,
        durations=Quantiles(*histogram_quantiles(histogram, QUANTILES)),
        avg=round(total / count, 2) if count else None,
    )


def _raw_slice(*, since: datetime, project_ids: list[int] | None) -> EventSlice:
    """Return the events of the projects (None: all) from `since` on that the roll-ups do not
    hold."""
    raw = rollup_raw_slice(since=since)
    return raw if project_ids is None else raw.of_projects(project_ids)


def _of_projects(rows, project_ids: list[int] | None):
    """Return the roll-up rows (a queryset) of the projects `project_ids` (None: all)."""
    return rows if project_ids is None else rows.filter(project_id__in=project_ids)


def _count_groups(
    *, start: datetime, raw_from: EventSlice, event_type: str | None, project_ids: list[int] | None
):
    """Yield (day, type, page, device type, count) from the roll-ups and the raw events."""
    rolled_up = _of_projects(
        TelemetryDailyAggregate.objects.filter(day__gte=start.date()), project_ids
    )
    if event_type:
        rolled_up = rolled_up.filter(type=event_type)
    yield from rolled_up.values_list("day", "type", "page", "device_type", "count")
    yield from (
        TelemetryEvent.objects.filter(raw_from.of_type(event_type).q)
        .annotate(day=TruncDate("created_at"))
        .values("day", "type", "page", "device_type")
        .annotate(total=Count("id"))
        .values_list("day", "type", "page", "device_type", "total")
        .order_by()
    )


def _duration_histograms(
    *, start: datetime, raw_from: EventSlice, event_type: str | None, project_ids: list[int] | None
) -> dict[str, tuple[dict[int, int], int]]:
    """Return, per event type, the merged duration histogram and the sum of durations."""
    rolled_up = _of_projects(
        TelemetryDailyDurationAggregate.objects.filter(day__gte=start.date()), project_ids
    )
    if event_type:
        rolled_up = rolled_up.filter(type=event_type)
    by_type: dict[str, list] = {}
    for rows in (
        rolled_up.values_list("type", "histogram", "total"),
        _raw_histograms(raw_from.of_type(event_type)),
    ):
        for type_, histogram, total in rows:
            entry = by_type.setdefault(type_, [[], 0])
            entry[0].append(histogram)
            entry[1] += total
    return {
        type_: (histogram_merge(histograms), total)
        for type_, (histograms, total) in by_type.items()
    }


def _raw_histograms(raw: EventSlice):
    """Yield (type, histogram, sum of durations) of the raw events."""
    bucket = db_dialect().bucket("duration")
    query = f"""
        SELECT type, {bucket}, COUNT(*), SUM(duration)
        FROM {TelemetryEvent._meta.db_table}
        WHERE {raw.where} AND duration IS NOT NULL
        GROUP BY type, {bucket}
    """
    histograms: dict[str, dict[int, int]] = {}
    totals: Counter = Counter()
    with connection.cursor() as cursor:
        cursor.execute(query, raw.params)
        for type_, bucket_index, count, total in cursor.fetchall():
            histograms.setdefault(type_, {})[int(bucket_index)] = count
            totals[type_] += int(total)
    for type_, histogram in histograms.items():
        yield type_, histogram, totals[type_]


def _unique_count(
    *,
    kind: UniqueKind,
    start: datetime,
    raw_from: EventSlice,
    event_type: str | None,
    project_ids: list[int] | None,
) -> int:
    """Count the distinct sessions or users of the window: exactly from the daily sets and
    the raw events, or, past TELEMETRY["EXACT_UNIQUE_LIMIT"] daily IDs, by merging the days'
    HyperLogLog sketches (0.81 % standard error)."""
    sketches = _of_projects(
        TelemetryDailySketch.objects.filter(
            kind=kind, type=event_type or ANY_TYPE, day__gte=start.date()
        ),
        project_ids,
    )
    daily_ids = sketches.aggregate(total=Sum("distinct_count"))["total"] or 0
    raw = raw_from.of_type(event_type)
    raw_ids = _raw_ids_sql(kind=kind, raw=raw)
    if daily_ids <= settings.TELEMETRY["EXACT_UNIQUE_LIMIT"]:
        in_projects, project_params = "", []
        if project_ids is not None:
            marks = ", ".join(["%s"] * len(project_ids)) or "NULL"
            in_projects, project_params = f"AND project_id IN ({marks})", list(project_ids)
        # The same ID in two projects is one session or user of their sum.
        query = f"""
            SELECT COUNT(DISTINCT value_hash) FROM (
                SELECT value_hash FROM {TelemetryDailyUnique._meta.db_table}
                WHERE kind = %s AND type = %s AND day >= %s {in_projects}
                UNION ALL {raw_ids}
            ) AS ids
        """
        params = [
            kind.value,
            event_type or ANY_TYPE,
            connection.ops.adapt_datefield_value(start.date()),
            *project_params,
            *raw.params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchone()[0]
    merged = sketch_merge(bytes(r) for r in sketches.values_list("registers", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT value_hash FROM ({raw_ids}) AS ids", raw.params)
        for (hashed,) in cursor.fetchall():
            sketch_add(merged, hashed)
    return sketch_estimate(merged)


def _raw_ids_sql(*, kind: UniqueKind, raw: EventSlice) -> str:
    """Return the query of the hashes of the sessions or users IDs of raw events (with repeats)."""
    column = "session_id" if kind == UniqueKind.SESSION else "user_id"
    return f"""
        SELECT {db_dialect().hash.format(column)} AS value_hash FROM {TelemetryEvent._meta.db_table}
        WHERE {raw.where} AND {column} <> ''
    """


def telemetry_event_counts_since(
    *, since: datetime, project_ids: list[int] | None = None
) -> EventCounts:
    """Return how many events of the projects `project_ids` (None: all) were received since
    `since`, and how many of them are errors."""
    events = _of_projects(TelemetryEvent.objects.filter(created_at__gte=since), project_ids)
    counts = events.aggregate(total=Count("id"), errors=Count("id", filter=Q(type=EventType.ERROR)))
    return EventCounts(total=counts["total"], errors=counts["errors"])


def telemetry_active_sessions_since(
    *, since: datetime, project_ids: list[int] | None = None
) -> int:
    """Return how many distinct non-empty session IDs sent events of the projects
    `project_ids` (None: all) since `since`."""
    return (
        _of_projects(TelemetryEvent.objects.filter(created_at__gte=since), project_ids)
        .exclude(session_id="")
        .aggregate(sessions=Count("session_id", distinct=True))["sessions"]
    )


def telemetry_series(
    *, days: int, project_ids: list[int] | None, now: datetime | None = None
) -> TelemetrySeries:
    """Return the window of telemetry_metrics(days=…, project_ids=…) as a time series for
    charts: event counts by type and `api_call` p50/p95/p99 per hour (one day) or per UTC day
    (longer).

    Like telemetry_metrics, events the roll-ups hold come from the roll-ups and the others
    from raw events. `labels` are the ISO starts of the buckets, oldest first.
    """
    now = now or timezone.now()
    first_day = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    raw_from = _raw_slice(since=start, project_ids=project_ids)
    hourly = days == 1
    if hourly:
        buckets = [start + timedelta(hours=n) for n in range(now.hour + 1)]
    else:
        buckets = [start + timedelta(days=n) for n in range(days)]
    position = {bucket: index for index, bucket in enumerate(buckets)}

    def bucket_of(hour: datetime) -> int | None:
        hour = hour.astimezone(now.tzinfo)
        return position.get(hour if hourly else hour.replace(hour=0))

    return TelemetrySeries(
        bucket="hour" if hourly else "day",
        labels=buckets,
        by_type=_series_counts(
            start=start,
            raw_from=raw_from,
            project_ids=project_ids,
            bucket_of=bucket_of,
            size=len(buckets),
        ),
        api_calls=_series_api_quantiles(
            start=start,
            raw_from=raw_from,
            project_ids=project_ids,
            bucket_of=bucket_of,
            size=len(buckets),
        ),
    )


def _series_counts(
    *, start: datetime, raw_from: EventSlice, project_ids: list[int] | None, bucket_of, size: int
) -> dict:
    """Return the event counts of each type per bucket, the busiest type first."""
    by_type: dict[str, list[int]] = {}
    rolled_up = (
        _of_projects(TelemetryAggregate.objects.filter(hour__gte=start), project_ids)
        .values("hour", "type")
        .annotate(total=Sum("count"))
        .values_list("hour", "type", "total")
        .order_by()
    )
    raw = (
        TelemetryEvent.objects.filter(raw_from.q)
        .annotate(hour=TruncHour("created_at"))
        .values("hour", "type")
        .annotate(total=Count("id"))
        .values_list("hour", "type", "total")
        .order_by()
    )
    for rows in (rolled_up, raw):
        for hour, type_, total in rows:
            index = bucket_of(hour)
            if index is not None:
                by_type.setdefault(type_, [0] * size)[index] += total
    return dict(sorted(by_type.items(), key=lambda item: -sum(item[1])))


def _series_api_quantiles(
    *, start: datetime, raw_from: EventSlice, project_ids: list[int] | None, bucket_of, size: int
) -> ApiCallQuantiles:
    """Return the `api_call` p50/p95/p99 of each bucket."""
    histograms: list[list[dict]] = [[] for _ in range(size)]
    api_rolled_up = _of_projects(
        TelemetryDurationAggregate.objects.filter(type=EventType.API_CALL, hour__gte=start),
        project_ids,
    ).values_list("hour", "histogram")
    api_raw = (
        TelemetryEvent.objects.filter(raw_from.q, type=EventType.API_CALL, duration__isnull=False)
        .annotate(hour=TruncHour("created_at"), bucket=RawSQL(db_dialect().bucket("duration"), []))
        .values("hour", "bucket")
        .annotate(total=Count("id"))
        .values_list("hour", "bucket", "total")
        .order_by()
    )
    for hour, histogram in api_rolled_up:
        index = bucket_of(hour)
        if index is not None:
            histograms[index].append(histogram)
    for hour, bucket, total in api_raw:
        index = bucket_of(hour)
        if index is not None:
            histograms[index].append({bucket: total})
    quantiles = [histogram_quantiles(histogram_merge(h), QUANTILES) for h in histograms]
    return ApiCallQuantiles(*(list(values) for values in zip(*quantiles, strict=True)))


def telemetry_events_recent(*, limit: int, project_ids: list[int] | None) -> list[TelemetryEvent]:
    """Return the latest `limit` events of the projects `project_ids` (None: all), newest
    first, without their heavy columns."""
    return list(
        _of_projects(TelemetryEvent.objects.all(), project_ids)
        .only("type", "page", "action", "duration", "device_type", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )
