"""Reads of the telemetry app: the metrics behind GET /api/telemetry and the dashboards."""

from collections import Counter
from datetime import datetime, timedelta

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


def telemetry_metrics(*, days: int, event_type: str | None, now: datetime | None = None) -> dict:
    """Return the metrics of the last `days` UTC days (today included), of one type or all.

    Events the roll-ups hold are read from their daily sums, the others (newer or late) from
    raw events (see telemetry_rollup), so the answer is the same before and after raw events pass
    retention, and a month costs a few thousand rows.
    `topPages` counts page views, or the events of `event_type` when one is given; `apiCalls`
    always describes `api_call` events. Durations are in milliseconds.
    """
    now = now or timezone.now()
    today = now.date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    watermark = rollup_watermark()
    raw_from = rollup_raw_slice(since=start)

    groups = _count_groups(start=start, raw_from=raw_from, event_type=event_type)
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

    histograms = _duration_histograms(start=start, raw_from=raw_from, event_type=event_type)
    overall = histogram_quantiles(histogram_merge(h for h, _ in histograms.values()), QUANTILES)
    api_histogram, api_total = histograms.get(EventType.API_CALL, ({}, 0))
    if event_type not in (None, EventType.API_CALL):
        api_histogram, api_total = _duration_histograms(
            start=start, raw_from=raw_from, event_type=EventType.API_CALL
        ).get(EventType.API_CALL, ({}, 0))
    api_count = sum(api_histogram.values())
    api_quantiles = histogram_quantiles(api_histogram, QUANTILES)

    return {
        "days": days,
        "type": event_type,
        "windowStart": start.isoformat(),
        "generatedAt": now.isoformat(),
        "rolledUpUntil": watermark.isoformat() if watermark else None,
        "totalEvents": sum(by_type.values()),
        "uniqueSessions": _unique_count(
            kind=UniqueKind.SESSION, start=start, raw_from=raw_from, event_type=event_type
        ),
        "uniqueUsers": _unique_count(
            kind=UniqueKind.USER, start=start, raw_from=raw_from, event_type=event_type
        ),
        "byType": dict(by_type.most_common()),
        "byDay": [{"date": day.isoformat(), "count": count} for day, count in by_day.items()],
        "topPages": [
            {"page": page, "count": count}
            for page, count in sorted(pages.items(), key=lambda item: (-item[1], item[0]))
        ][:TOP_PAGES],
        "byDeviceType": dict(by_device.most_common()),
        "p50": overall[0],
        "p95": overall[1],
        "p99": overall[2],
        "apiCalls": {
            "count": api_count,
            "p50": api_quantiles[0],
            "p95": api_quantiles[1],
            "p99": api_quantiles[2],
            "avg": round(api_total / api_count, 2) if api_count else None,
        },
    }


def _count_groups(*, start: datetime, raw_from: EventSlice, event_type: str | None):
    """Yield (day, type, page, device type, count) from the roll-ups and the raw events."""
    rolled_up = TelemetryDailyAggregate.objects.filter(day__gte=start.date())
    raw = TelemetryEvent.objects.filter(raw_from.q)
    if event_type:
        rolled_up = rolled_up.filter(type=event_type)
        raw = raw.filter(type=event_type)
    yield from rolled_up.values_list("day", "type", "page", "device_type", "count")
    yield from (
        raw.annotate(day=TruncDate("created_at"))
        .values("day", "type", "page", "device_type")
        .annotate(total=Count("id"))
        .values_list("day", "type", "page", "device_type", "total")
        .order_by()
    )


def _duration_histograms(
    *, start: datetime, raw_from: EventSlice, event_type: str | None
) -> dict[str, tuple[dict[int, int], int]]:
    """Return, per event type, the merged duration histogram and the sum of durations."""
    rolled_up = TelemetryDailyDurationAggregate.objects.filter(day__gte=start.date())
    if event_type:
        rolled_up = rolled_up.filter(type=event_type)
    by_type: dict[str, list] = {}
    for type_, histogram, total in rolled_up.values_list("type", "histogram", "total"):
        entry = by_type.setdefault(type_, [[], 0])
        entry[0].append(histogram)
        entry[1] += total
    for type_, histogram, total in _raw_histograms(raw_from=raw_from, event_type=event_type):
        entry = by_type.setdefault(type_, [[], 0])
        entry[0].append(histogram)
        entry[1] += total
    return {
        type_: (histogram_merge(histograms), total)
        for type_, (histograms, total) in by_type.items()
    }


def _raw_histograms(*, raw_from: EventSlice, event_type: str | None):
    """Yield (type, histogram, sum of durations) of the raw events."""
    dialect = db_dialect()
    bucket = dialect.bucket("duration")
    type_filter = "AND type = %s" if event_type else ""
    params = [*raw_from.params, *([event_type] if event_type else [])]
    query = f"""
        SELECT type, {bucket}, COUNT(*), SUM(duration)
        FROM {TelemetryEvent._meta.db_table}
        WHERE {raw_from.where} AND duration IS NOT NULL {type_filter}
        GROUP BY type, {bucket}
    """
    histograms: dict[str, dict[int, int]] = {}
    totals: Counter = Counter()
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for type_, bucket_index, count, total in cursor.fetchall():
            histograms.setdefault(type_, {})[int(bucket_index)] = count
            totals[type_] += int(total)
    for type_, histogram in histograms.items():
        yield type_, histogram, totals[type_]


def _unique_count(
    *, kind: UniqueKind, start: datetime, raw_from: EventSlice, event_type: str | None
) -> int:
    """Count the distinct sessions or users of the window: exactly from the daily sets and
    the raw events, or, past TELEMETRY["EXACT_UNIQUE_LIMIT"] daily IDs, by merging the days'
    HyperLogLog sketches (0.81 % standard error)."""
    sketches = TelemetryDailySketch.objects.filter(
        kind=kind, type=event_type or ANY_TYPE, day__gte=start.date()
    )
    daily_ids = sketches.aggregate(total=Sum("distinct_count"))["total"] or 0
    if daily_ids <= settings.TELEMETRY["EXACT_UNIQUE_LIMIT"]:
        return _exact_unique_count(kind=kind, start=start, raw_from=raw_from, event_type=event_type)
    merged = sketch_merge(bytes(r) for r in sketches.values_list("registers", flat=True))
    for hashed in _raw_id_hashes(kind=kind, raw_from=raw_from, event_type=event_type):
        sketch_add(merged, hashed)
    return sketch_estimate(merged)


def _raw_id_hashes(*, kind: UniqueKind, raw_from: EventSlice, event_type: str | None):
    """Yield the hashes of the distinct IDs in the raw events."""
    column = "session_id" if kind == UniqueKind.SESSION else "user_id"
    type_filter = "AND type = %s" if event_type else ""
    query = f"""
        SELECT DISTINCT {db_dialect().hash.format(column)} FROM {TelemetryEvent._meta.db_table}
        WHERE {raw_from.where} AND {column} <> '' {type_filter}
    """
    with connection.cursor() as cursor:
        cursor.execute(query, [*raw_from.params, *([event_type] if event_type else [])])
        for (hashed,) in cursor.fetchall():
            yield hashed


def _exact_unique_count(
    *, kind: UniqueKind, start: datetime, raw_from: EventSlice, event_type: str | None
) -> int:
    """Count the distinct IDs of the window exactly: daily sets, then raw events."""
    dialect = db_dialect()
    column = "session_id" if kind == UniqueKind.SESSION else "user_id"
    type_filter = "AND type = %s" if event_type else ""
    query = f"""
        SELECT COUNT(DISTINCT value_hash) FROM (
            SELECT value_hash FROM {TelemetryDailyUnique._meta.db_table}
            WHERE kind = %s AND type = %s AND day >= %s
            UNION ALL
            SELECT {dialect.hash.format(column)} FROM {TelemetryEvent._meta.db_table}
            WHERE {raw_from.where} AND {column} <> '' {type_filter}
        ) AS ids
    """
    params = [
        kind.value,
        event_type or ANY_TYPE,
        connection.ops.adapt_datefield_value(start.date()),
        *raw_from.params,
        *([event_type] if event_type else []),
    ]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def telemetry_event_counts_since(*, since: datetime) -> dict:
    """Return the events received since `since`: `total` and `errors` (type `error`)."""
    return TelemetryEvent.objects.filter(created_at__gte=since).aggregate(
        total=Count("id"), errors=Count("id", filter=Q(type=EventType.ERROR))
    )


def telemetry_active_sessions_since(*, since: datetime) -> int:
    """Return how many distinct non-empty session IDs sent events since `since`."""
    return (
        TelemetryEvent.objects.filter(created_at__gte=since)
        .exclude(session_id="")
        .aggregate(sessions=Count("session_id", distinct=True))["sessions"]
    )


def telemetry_series(*, days: int, now: datetime | None = None) -> dict:
    """Return the window of telemetry_metrics(days=…) as a time series for charts: event
    counts by type and `api_call` p50/p95/p99 per hour (one day) or per UTC day (longer).

    Like telemetry_metrics, events the roll-ups hold come from the roll-ups and the others
    from raw events. `labels` are the ISO starts of the buckets, oldest first.
    """
    now = now or timezone.now()
    first_day = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    raw_from = rollup_raw_slice(since=start)
    hourly = days == 1
    if hourly:
        buckets = [start + timedelta(hours=n) for n in range(now.hour + 1)]
    else:
        buckets = [start + timedelta(days=n) for n in range(days)]
    position = {bucket: index for index, bucket in enumerate(buckets)}

    def bucket_of(hour: datetime) -> int | None:
        hour = hour.astimezone(now.tzinfo)
        return position.get(hour if hourly else hour.replace(hour=0))

    by_type: dict[str, list[int]] = {}
    rolled_up = (
        TelemetryAggregate.objects.filter(hour__gte=start)
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
                by_type.setdefault(type_, [0] * len(buckets))[index] += total

    histograms: list[list[dict]] = [[] for _ in buckets]
    api_rolled_up = TelemetryDurationAggregate.objects.filter(
        type=EventType.API_CALL, hour__gte=start
    ).values_list("hour", "histogram")
    for hour, histogram in api_rolled_up:
        index = bucket_of(hour)
        if index is not None:
            histograms[index].append(histogram)
    api_raw = (
        TelemetryEvent.objects.filter(raw_from.q, type=EventType.API_CALL, duration__isnull=False)
        .annotate(hour=TruncHour("created_at"), bucket=RawSQL(db_dialect().bucket("duration"), []))
        .values("hour", "bucket")
        .annotate(total=Count("id"))
        .values_list("hour", "bucket", "total")
        .order_by()
    )
    for hour, bucket, total in api_raw:
        index = bucket_of(hour)
        if index is not None:
            histograms[index].append({bucket: total})
    quantiles = [histogram_quantiles(histogram_merge(h), QUANTILES) for h in histograms]
    return {
        "bucket": "hour" if hourly else "day",
        "labels": [bucket.isoformat() for bucket in buckets],
        "byType": dict(sorted(by_type.items(), key=lambda item: -sum(item[1]))),
        "apiCalls": {
            name: [values[position] for values in quantiles]
            for position, name in enumerate(("p50", "p95", "p99"))
        },
    }


def telemetry_events_recent(*, limit: int) -> list[TelemetryEvent]:
    """Return the latest `limit` events, newest first, without their heavy columns."""
    return list(
        TelemetryEvent.objects.only(
            "type", "page", "action", "duration", "device_type", "created_at"
        ).order_by("-created_at", "-id")[:limit]
    )
