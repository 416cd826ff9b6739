"""Hourly roll-ups of raw telemetry: what they hold, how they are rebuilt, how they merge.

Durations are summarised in a fixed log-bucket histogram. A positive duration `d` (integer
milliseconds) falls in bucket `ceil(ln(d) / ln(GAMMA))`, which holds the values in
`(GAMMA**(i-1), GAMMA**i]`; the bucket is reported as `2 * GAMMA**i / (GAMMA + 1)`, which is
within `(GAMMA - 1) / (GAMMA + 1)` = 0.99 % of every value in it. A zero duration has its own
bucket, ZERO_BUCKET, reported as 0. Histograms merge by adding counts bucket by bucket, so the
p50/p95/p99 of any set of hours (the value of rank `ceil(q * n)`) is within 1 % of the exact
one. A day of durations up to 24 h needs at most about 930 buckets.

The roll-up is computed in SQL on both databases (one INSERT … SELECT per table), with the
few expressions that differ between PostgreSQL and SQLite chosen per vendor.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from telemetry.models import (
    ANY_TYPE,
    TelemetryAggregate,
    TelemetryDailyAggregate,
    TelemetryDailyDurationAggregate,
    TelemetryDailyUnique,
    TelemetryDurationAggregate,
    TelemetryEvent,
    TelemetryRollupState,
    UniqueKind,
)

GAMMA = 1.02
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
ZERO_BUCKET = -1
_LN_GAMMA = math.log(GAMMA)


def bucket_index(duration: int) -> int:
    """Return the histogram bucket of a duration in milliseconds (the SQL computes the same)."""
    if duration <= 0:
        return ZERO_BUCKET
    return math.ceil(math.log(duration) / _LN_GAMMA)


def bucket_value(index: int) -> float:
    """Return the value reported for a bucket: within RELATIVE_ERROR of every value in it."""
    if index == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**index / (GAMMA + 1)


def histogram_merge(histograms) -> dict[int, int]:
    """Return the sum of histograms given as {bucket: count} maps (keys may be strings)."""
    merged: dict[int, int] = {}
    for histogram in histograms:
        for bucket, count in histogram.items():
            key = int(bucket)
            merged[key] = merged.get(key, 0) + int(count)
    return merged


def histogram_quantiles(histogram: dict[int, int], quantiles) -> list[float | None]:
    """Return the value of rank ceil(q * n) for each q in `quantiles`, None when empty."""
    total = sum(histogram.values())
    if not total:
        return [None for _ in quantiles]
    ranks = [max(1, math.ceil(q * total)) for q in quantiles]
    results: list[float | None] = [None for _ in quantiles]
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        for position, rank in enumerate(ranks):
            if results[position] is None and seen >= rank:
                results[position] = round(bucket_value(bucket), 2)
    return results


def value_hash(value: str) -> int:
    """Return the signed 64-bit hash SQLite stores for a session or user ID."""
    digest = hashlib.blake2b(value.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def register_sqlite_functions(sender, connection, **kwargs):
    """Give SQLite connections the ID hash PostgreSQL has built in (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "telemetry_value_hash", 1, value_hash, deterministic=True
        )


@dataclass(frozen=True)
class Dialect:
    """The SQL expressions that differ between PostgreSQL and SQLite."""

    hour: str
    day: str
    object_agg: str
    empty_object: str
    object_entries: str
    hash: str
    insert_ignore: str
    on_conflict_ignore: str

    def bucket(self, column: str) -> str:
        """Return the SQL bucket index of `column` (see bucket_index)."""
        return (
            f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} <= 0 THEN {ZERO_BUCKET} "
            f"ELSE CAST(CEILING(LN({column}) / {_LN_GAMMA!r}) AS INTEGER) END"
        )


POSTGRESQL = Dialect(
    hour="date_trunc('hour', {}, 'UTC')",
    day="CAST(({} AT TIME ZONE 'UTC') AS date)",
    object_agg="jsonb_object_agg",
    empty_object="'{}'::jsonb",
    object_entries="jsonb_each_text({})",
    hash="hashtextextended({}, 0)",
    insert_ignore="INSERT INTO",
    on_conflict_ignore="ON CONFLICT DO NOTHING",
)
SQLITE = Dialect(
    hour="strftime('%%Y-%%m-%%d %%H:00:00', {})",
    day="date({})",
    object_agg="json_group_object",
    empty_object="'{}'",
    object_entries="json_each({})",
    hash="telemetry_value_hash({})",
    insert_ignore="INSERT OR IGNORE INTO",
    on_conflict_ignore="",
)


def dialect() -> Dialect:
    """Return the dialect of the default database."""
    return POSTGRESQL if connection.vendor == "postgresql" else SQLITE


def db_datetime(value: datetime):
    """Return `value` as the database expects it in a raw query parameter."""
    return connection.ops.adapt_datetimefield_value(value)


def floor_hour(value: datetime) -> datetime:
    """Return the start of the hour of `value`."""
    return value.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class RollupResult:
    """What a roll-up run covered: events of [start, until) and the hourly rows written."""

    start: datetime
    until: datetime
    events: int
    aggregate_rows: int
    duration_rows: int


def telemetry_rollup(*, since: datetime | None, now: datetime | None = None) -> RollupResult:
    """Rebuild the roll-ups of every hour from the hour of `since` up to now, and the daily
    sums of the days they fall in; return a summary.

    `since=None` continues from where the last run stopped. The rebuild also starts no later
    than the last run's stopping point, so a pause of the scheduler leaves no gap, and no
    earlier than the oldest hour whose raw events are all still kept, so it never replaces a
    roll-up by the partial remains of a purged hour. Rows of rebuilt hours are deleted and
    recomputed in one transaction, so running it twice gives the same rows. Events of the last
    TELEMETRY["ROLLUP_SETTLE_SECONDS"] are left to the raw reads, so that a batch still being
    committed is not missed.
    """
    now = now or timezone.now()
    until = now - timedelta(seconds=settings.TELEMETRY["ROLLUP_SETTLE_SECONDS"])
    oldest_complete = floor_hour(
        now - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    ) + timedelta(hours=1)
    with transaction.atomic():
        state = _locked_state()
        candidates = [since] if since else []
        if state.rolled_up_until:
            candidates.append(state.rolled_up_until)
        else:
            first_event = _first_event_before(until)
            if first_event:
                candidates.append(first_event)
        start = floor_hour(min(candidates, default=until))
        start = min(max(start, oldest_complete), floor_hour(until))
        first_day = start.replace(hour=0)
        TelemetryAggregate.objects.filter(hour__gte=start).delete()
        TelemetryDurationAggregate.objects.filter(hour__gte=start).delete()
        TelemetryDailyAggregate.objects.filter(day__gte=first_day.date()).delete()
        TelemetryDailyDurationAggregate.objects.filter(day__gte=first_day.date()).delete()
        sql = dialect()
        bounds = [db_datetime(start), db_datetime(until)]
        with connection.cursor() as cursor:
            cursor.execute(_aggregate_sql(sql), bounds)
            aggregate_rows = cursor.rowcount
            cursor.execute(_duration_sql(sql), bounds)
            duration_rows = cursor.rowcount
            cursor.execute(_daily_aggregate_sql(sql), [db_datetime(first_day)])
            cursor.execute(_daily_duration_sql(sql), [db_datetime(first_day)] * 2)
            for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
                cursor.execute(_unique_sql(sql, column=column), [kind.value, *bounds])
                cursor.execute(
                    _any_type_unique_sql(sql),
                    [kind.value, connection.ops.adapt_datefield_value(first_day.date())],
                )
        events = TelemetryEvent.objects.filter(created_at__gte=start, created_at__lt=until).count()
        state.rolled_up_until = until
        state.save(update_fields=["rolled_up_until"])
    return RollupResult(
        start=start,
        until=until,
        events=events,
        aggregate_rows=aggregate_rows,
        duration_rows=duration_rows,
    )


def rollup_watermark() -> datetime | None:
    """Return up to when the roll-ups are complete, None before the first run."""
    state = TelemetryRollupState.objects.filter(pk=1).first()
    return state.rolled_up_until if state else None


def _locked_state() -> TelemetryRollupState:
    TelemetryRollupState.objects.get_or_create(pk=1)
    return TelemetryRollupState.objects.select_for_update().get(pk=1)


def _first_event_before(until: datetime) -> datetime | None:
    return (
        TelemetryEvent.objects.filter(created_at__lt=until)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


_EVENTS = TelemetryEvent._meta.db_table
_WINDOW = "created_at >= %s AND created_at < %s"


def _aggregate_sql(sql: Dialect) -> str:
    hour = sql.hour.format("created_at")
    return f"""
        INSERT INTO {TelemetryAggregate._meta.db_table}
            (hour, type, page, device_type, count, duration_count, duration_sum)
        SELECT {hour}, type, page, device_type, COUNT(*), COUNT(duration),
               COALESCE(SUM(duration), 0)
        FROM {_EVENTS}
        WHERE {_WINDOW}
        GROUP BY {hour}, type, page, device_type
    """


def _duration_sql(sql: Dialect) -> str:
    hour = sql.hour.format("created_at")
    bucket = sql.bucket("duration")
    return f"""
        INSERT INTO {TelemetryDurationAggregate._meta.db_table}
            (hour, type, count, total, maximum, histogram)
        SELECT hour, type, SUM(n), SUM(total), MAX(maximum),
               COALESCE({sql.object_agg}(CAST(bucket AS TEXT), n), {sql.empty_object})
        FROM (
            SELECT {hour} AS hour, type, {bucket} AS bucket, COUNT(*) AS n,
                   SUM(duration) AS total, MAX(duration) AS maximum
            FROM {_EVENTS}
            WHERE {_WINDOW} AND duration IS NOT NULL
            GROUP BY {hour}, type, {bucket}
        ) AS buckets
        GROUP BY hour, type
    """


def _daily_aggregate_sql(sql: Dialect) -> str:
    day = sql.day.format("hour")
    return f"""
        INSERT INTO {TelemetryDailyAggregate._meta.db_table}
            (day, type, page, device_type, count, duration_count, duration_sum)
        SELECT {day}, type, page, device_type, SUM(count), SUM(duration_count), SUM(duration_sum)
        FROM {TelemetryAggregate._meta.db_table}
        WHERE hour >= %s
        GROUP BY {day}, type, page, device_type
    """


def _daily_duration_sql(sql: Dialect) -> str:
    hourly = TelemetryDurationAggregate._meta.db_table
    day = sql.day.format("hour")
    # Qualified: SQLite's json_each has columns named type and key too.
    hourly_day = sql.day.format(f"{hourly}.hour")
    entries = sql.object_entries.format(f"{hourly}.histogram")
    return f"""
        INSERT INTO {TelemetryDailyDurationAggregate._meta.db_table}
            (day, type, count, total, maximum, histogram)
        SELECT totals.day, totals.type, totals.count, totals.total, totals.maximum,
               histograms.histogram
        FROM (
            SELECT {day} AS day, type, SUM(count) AS count, SUM(total) AS total,
                   MAX(maximum) AS maximum
            FROM {hourly} WHERE hour >= %s GROUP BY {day}, type
        ) AS totals
        JOIN (
            SELECT day, type, {sql.object_agg}(bucket, n) AS histogram
            FROM (
                SELECT {hourly_day} AS day, {hourly}.type AS type, entry.key AS bucket,
                       SUM(CAST(entry.value AS BIGINT)) AS n
                FROM {hourly}, {entries} AS entry
                WHERE {hourly}.hour >= %s
                GROUP BY {hourly_day}, {hourly}.type, entry.key
            ) AS buckets
            GROUP BY day, type
        ) AS histograms ON histograms.day = totals.day AND histograms.type = totals.type
    """


def _unique_sql(sql: Dialect, *, column: str) -> str:
    return f"""
        {sql.insert_ignore} {TelemetryDailyUnique._meta.db_table} (kind, type, day, value_hash)
        SELECT DISTINCT %s, type, {sql.day.format("created_at")}, {sql.hash.format(column)}
        FROM {_EVENTS}
        WHERE {_WINDOW} AND {column} <> ''
        {sql.on_conflict_ignore}
    """


def _any_type_unique_sql(sql: Dialect) -> str:
    """Return the query that derives the any-type sets from the per-type sets of a kind."""
    table = TelemetryDailyUnique._meta.db_table
    return f"""
        {sql.insert_ignore} {table} (kind, type, day, value_hash)
        SELECT DISTINCT kind, '{ANY_TYPE}', day, value_hash
        FROM {table}
        WHERE kind = %s AND type <> '{ANY_TYPE}' AND day >= %s
        {sql.on_conflict_ignore}
    """
