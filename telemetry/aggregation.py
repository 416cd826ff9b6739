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
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncHour
from django.utils import timezone

from telemetry.models import (
    ANY_TYPE,
    TelemetryAggregate,
    TelemetryDailyAggregate,
    TelemetryDailyDurationAggregate,
    TelemetryDailySketch,
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


SKETCH_PRECISION = 14
SKETCH_REGISTERS = 1 << SKETCH_PRECISION
_SKETCH_ALPHA = 0.7213 / (1 + 1.079 / SKETCH_REGISTERS)
_INVERSE_POWERS = [2.0**-rank for rank in range(66)]


def sketch_add(registers: bytearray, hashed: int) -> None:
    """Add a 64-bit ID hash to a HyperLogLog sketch of SKETCH_REGISTERS registers."""
    unsigned = hashed & 0xFFFF_FFFF_FFFF_FFFF
    index = unsigned & (SKETCH_REGISTERS - 1)
    rest = unsigned >> SKETCH_PRECISION
    rank = 64 - SKETCH_PRECISION - rest.bit_length() + 1
    if rank > registers[index]:
        registers[index] = rank


_LANE_HIGH_BITS = int.from_bytes(b"\x80" * SKETCH_REGISTERS, "big")
_ALL_BITS = (1 << (8 * SKETCH_REGISTERS)) - 1


def sketch_merge(sketches) -> bytearray:
    """Return the union of sketches (the register-wise maximum).

    The registers are compared all at once as one big integer of byte lanes: a rank is below
    128, so `(a | 0x80) - b` never borrows across lanes and its high bit says a >= b.
    """
    merged = 0
    for sketch in sketches:
        other = int.from_bytes(sketch, "big")
        a_wins = (((merged | _LANE_HIGH_BITS) - other) & _LANE_HIGH_BITS) >> 7
        mask = a_wins * 0xFF
        merged = (merged & mask) | (other & (_ALL_BITS ^ mask))
    return bytearray(merged.to_bytes(SKETCH_REGISTERS, "big"))


def sketch_estimate(registers: bytearray) -> int:
    """Return the estimated number of distinct IDs added (standard error 1.04/sqrt(m))."""
    registers = bytes(registers)
    estimate = (
        _SKETCH_ALPHA
        * SKETCH_REGISTERS**2
        / sum(registers.count(rank) * _INVERSE_POWERS[rank] for rank in set(registers))
    )
    empty = registers.count(0)
    if estimate <= 2.5 * SKETCH_REGISTERS and empty:
        estimate = SKETCH_REGISTERS * math.log(SKETCH_REGISTERS / empty)
    return round(estimate)


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
    """What a roll-up run covered: the events it added, up to `until`, and the rows written.

    `start` is the first rebuilt hour, None for an incremental run.
    """

    start: datetime | None
    until: datetime
    events: int
    aggregate_rows: int
    duration_rows: int


@dataclass(frozen=True)
class EventSlice:
    """A set of events as a WHERE clause over the events table, its parameters and its Q."""

    where: str
    params: list
    q: Q


def _slice(*, last_id: int, until: datetime, since=None, before=None, previous=None) -> EventSlice:
    """Return the events with id <= last_id stamped in [since, before) and before `until`,
    of those only the ones not rolled up by `previous` (its (until, last_id)) when given."""
    where = ["id <= %s", "created_at < %s"]
    params = [last_id, db_datetime(until)]
    q = Q(id__lte=last_id, created_at__lt=until)
    if since is not None:
        where.append("created_at >= %s")
        params.append(db_datetime(since))
        q &= Q(created_at__gte=since)
    if before is not None:
        where.append("created_at < %s")
        params.append(db_datetime(before))
        q &= Q(created_at__lt=before)
    if previous is not None:
        previous_until, previous_id = previous
        where.append("(created_at >= %s OR id > %s)")
        params += [db_datetime(previous_until), previous_id]
        q &= Q(created_at__gte=previous_until) | Q(id__gt=previous_id)
    return EventSlice(where=" AND ".join(where), params=params, q=q)


def telemetry_rollup(*, since: datetime | None, now: datetime | None = None) -> RollupResult:
    """Add the events that arrived since the last run to the roll-ups; with `since`, also
    rebuild every hour from the hour of `since` on; return a summary.

    After a run the roll-ups hold exactly the events stamped before `until` (now minus
    TELEMETRY["ROLLUP_SETTLE_SECONDS"]) whose id is at most the highest id visible when the
    run started. The next run adds the events outside that set, stamped before its own
    `until`: both the newer ones and the late ones (stamped earlier, committed after the run,
    hence with a higher id), so each event is counted once, provided a batch commits within
    the settle delay of being stamped. An incremental run only reads the new events and adds
    them to existing rows (set-based upserts), so its cost follows the ingest rate, not the
    hour. The rebuild deletes and recomputes its hours in one transaction, so running it twice
    gives the same rows; it never starts before the oldest hour whose raw events are all
    still kept, so it never replaces a roll-up by the partial remains of a purged hour.
    """
    now = now or timezone.now()
    until = now - timedelta(seconds=settings.TELEMETRY["ROLLUP_SETTLE_SECONDS"])
    with transaction.atomic():
        state = _locked_state()
        last_id = max(
            state.last_event_id,
            TelemetryEvent.objects.aggregate(last=Max("id"))["last"] or 0,
        )
        previous = (state.rolled_up_until, state.last_event_id) if state.rolled_up_until else None
        start = None
        if since is not None:
            oldest_complete = floor_hour(
                now - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
            ) + timedelta(hours=1)
            start = min(max(floor_hour(since), oldest_complete), floor_hour(until))
        new = _slice(last_id=last_id, until=until, before=start, previous=previous)
        events, aggregate_rows, duration_rows = _rollup_add(new)
        if start is not None:
            rebuilt = _rollup_rebuild(_slice(last_id=last_id, until=until, since=start), start)
            events += rebuilt[0]
            aggregate_rows += rebuilt[1]
            duration_rows += rebuilt[2]
        state.rolled_up_until = until
        state.last_event_id = last_id
        state.save(update_fields=["rolled_up_until", "last_event_id"])
    return RollupResult(
        start=start,
        until=until,
        events=events,
        aggregate_rows=aggregate_rows,
        duration_rows=duration_rows,
    )


def _rollup_add(events: EventSlice) -> tuple[int, int, int]:
    """Add a slice of events to every roll-up table; return (events, hourly rows, histograms)."""
    count = TelemetryEvent.objects.filter(events.q).count()
    if not count:
        return 0, 0, 0
    sql = dialect()
    with connection.cursor() as cursor:
        cursor.execute(_add_counts_sql(sql, TelemetryAggregate, "hour", events), events.params)
        aggregate_rows = cursor.rowcount
        cursor.execute(_add_counts_sql(sql, TelemetryDailyAggregate, "day", events), events.params)
        for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
            for type_column in ("type", f"'{ANY_TYPE}'"):
                cursor.execute(
                    _add_unique_sql(sql, column=column, type_column=type_column, events=events),
                    [kind.value, *events.params],
                )
    duration_rows = _add_histograms(events)
    _add_to_sketches(events)
    return count, aggregate_rows, duration_rows


def _add_counts_sql(sql: Dialect, model, period: str, events: EventSlice) -> str:
    """Return the upsert that adds the slice's counts per (period, type, page, device)."""
    table = model._meta.db_table
    bucket = (sql.hour if period == "hour" else sql.day).format("created_at")
    return f"""
        INSERT INTO {table} ({period}, type, page, device_type, count, duration_count, duration_sum)
        SELECT {bucket}, type, page, device_type, COUNT(*), COUNT(duration),
               COALESCE(SUM(duration), 0)
        FROM {_EVENTS}
        WHERE {events.where}
        GROUP BY {bucket}, type, page, device_type
        ON CONFLICT ({period}, type, page, device_type) DO UPDATE SET
            count = {table}.count + excluded.count,
            duration_count = {table}.duration_count + excluded.duration_count,
            duration_sum = {table}.duration_sum + excluded.duration_sum
    """


def _add_unique_sql(sql: Dialect, *, column: str, type_column: str, events: EventSlice) -> str:
    """Return the insert of the slice's IDs into the daily sets (per type, or `*`)."""
    return f"""
        {sql.insert_ignore} {TelemetryDailyUnique._meta.db_table} (kind, type, day, value_hash)
        SELECT DISTINCT %s, {type_column}, {sql.day.format("created_at")},
               {sql.hash.format(column)}
        FROM {_EVENTS}
        WHERE {events.where} AND {column} <> ''
        {sql.on_conflict_ignore}
    """


def _add_histograms(events: EventSlice) -> int:
    """Merge the slice's durations into the hourly and daily histograms; return how many
    hourly histograms it touched."""
    buckets = (
        TelemetryEvent.objects.filter(events.q, duration__isnull=False)
        .annotate(
            hour=TruncHour("created_at", tzinfo=UTC),
            bucket=RawSQL(dialect().bucket("duration"), []),
        )
        .values("hour", "type", "bucket")
        .annotate(n=Count("id"), total=Sum("duration"), maximum=Max("duration"))
        .values_list("hour", "type", "bucket", "n", "total", "maximum")
        .order_by()
    )
    hourly: dict[tuple, list] = {}
    daily: dict[tuple, list] = {}
    for hour, type_, bucket, n, total, maximum in buckets:
        hour = hour.astimezone(UTC)
        for totals, key in ((hourly, (hour, type_)), (daily, (hour.date(), type_))):
            entry = totals.setdefault(key, [0, 0, 0, {}])
            entry[0] += n
            entry[1] += total
            entry[2] = max(entry[2], maximum)
            entry[3][int(bucket)] = entry[3].get(int(bucket), 0) + n
    _merge_histogram_rows(TelemetryDurationAggregate, "hour", hourly)
    _merge_histogram_rows(TelemetryDailyDurationAggregate, "day", daily)
    return len(hourly)


def _merge_histogram_rows(model, period: str, additions: dict[tuple, list]) -> None:
    """Add (count, total, maximum, histogram) to the rows keyed by (period, type)."""
    if not additions:
        return
    existing = {
        (getattr(row, period), row.type): row
        for row in model.objects.filter(
            **{f"{period}__in": {key[0] for key in additions}},
            type__in={key[1] for key in additions},
        )
    }
    changed, created = [], []
    for (when, type_), (count, total, maximum, histogram) in additions.items():
        row = existing.get((when, type_))
        if row is None:
            created.append(
                model(
                    **{period: when},
                    type=type_,
                    count=count,
                    total=total,
                    maximum=maximum,
                    histogram={str(k): v for k, v in histogram.items()},
                )
            )
            continue
        row.count += count
        row.total += total
        row.maximum = max(row.maximum, maximum)
        row.histogram = {str(k): v for k, v in histogram_merge([row.histogram, histogram]).items()}
        changed.append(row)
    model.objects.bulk_create(created, batch_size=500)
    model.objects.bulk_update(changed, ["count", "total", "maximum", "histogram"], batch_size=500)


def _add_to_sketches(events: EventSlice) -> None:
    """Add the slice's IDs to the daily sketches (per type and `*`) and recount the days."""
    sql = dialect()
    sketches: dict[tuple, bytearray] = {}
    with connection.cursor() as cursor:
        for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
            cursor.execute(
                f"""
                SELECT DISTINCT type, {sql.day.format("created_at")}, {sql.hash.format(column)}
                FROM {_EVENTS} WHERE {events.where} AND {column} <> ''
                """,
                events.params,
            )
            for type_, day, hashed in cursor.fetchall():
                day = _as_date(day)
                for key in ((kind.value, type_, day), (kind.value, ANY_TYPE, day)):
                    registers = sketches.get(key)
                    if registers is None:
                        registers = sketches[key] = bytearray(SKETCH_REGISTERS)
                    sketch_add(registers, hashed)
    if not sketches:
        return
    days = {key[2] for key in sketches}
    counts = dict(
        (((kind, type_, day), n))
        for kind, type_, day, n in TelemetryDailyUnique.objects.filter(day__in=days)
        .values("kind", "type", "day")
        .annotate(n=Count("value_hash"))
        .values_list("kind", "type", "day", "n")
        .order_by()
    )
    existing = {
        (row.kind, row.type, row.day): row
        for row in TelemetryDailySketch.objects.filter(day__in=days)
    }
    changed, created = [], []
    for key, registers in sketches.items():
        row = existing.get(key)
        if row is None:
            kind, type_, day = key
            created.append(
                TelemetryDailySketch(
                    kind=kind,
                    type=type_,
                    day=day,
                    distinct_count=counts.get(key, 0),
                    registers=bytes(registers),
                )
            )
            continue
        row.registers = bytes(sketch_merge([bytes(row.registers), registers]))
        row.distinct_count = counts.get(key, 0)
        changed.append(row)
    TelemetryDailySketch.objects.bulk_create(created, batch_size=200)
    TelemetryDailySketch.objects.bulk_update(
        changed, ["registers", "distinct_count"], batch_size=200
    )


def _as_date(value) -> date:
    """Return a day the database returned (a date on PostgreSQL, text on SQLite) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _rollup_rebuild(events: EventSlice, start: datetime) -> tuple[int, int, int]:
    """Replace the roll-ups of the hours from `start` on (and of the days they fall in) by
    those of a slice; return (events, hourly rows, histograms)."""
    first_day = start.replace(hour=0)
    TelemetryAggregate.objects.filter(hour__gte=start).delete()
    TelemetryDurationAggregate.objects.filter(hour__gte=start).delete()
    TelemetryDailyAggregate.objects.filter(day__gte=first_day.date()).delete()
    TelemetryDailyDurationAggregate.objects.filter(day__gte=first_day.date()).delete()
    sql = dialect()
    with connection.cursor() as cursor:
        cursor.execute(_aggregate_sql(sql, events), events.params)
        aggregate_rows = cursor.rowcount
        cursor.execute(_duration_sql(sql, events), events.params)
        duration_rows = cursor.rowcount
        cursor.execute(_daily_aggregate_sql(sql), [db_datetime(first_day)])
        cursor.execute(_daily_duration_sql(sql), [db_datetime(first_day)] * 2)
        for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
            cursor.execute(
                _add_unique_sql(sql, column=column, type_column="type", events=events),
                [kind.value, *events.params],
            )
            cursor.execute(
                _any_type_unique_sql(sql),
                [kind.value, connection.ops.adapt_datefield_value(first_day.date())],
            )
    _rebuild_sketches(first_day=first_day.date())
    return TelemetryEvent.objects.filter(events.q).count(), aggregate_rows, duration_rows


def _rebuild_sketches(*, first_day) -> None:
    """Rebuild the sketches of the days from `first_day` on from their exact ID sets."""
    TelemetryDailySketch.objects.filter(day__gte=first_day).delete()
    sketches: dict[tuple, list] = {}
    ids = (
        TelemetryDailyUnique.objects.filter(day__gte=first_day)
        .values_list("kind", "type", "day", "value_hash")
        .iterator(chunk_size=20_000)
    )
    for kind, type_, day, hashed in ids:
        entry = sketches.get((kind, type_, day))
        if entry is None:
            entry = sketches[(kind, type_, day)] = [bytearray(SKETCH_REGISTERS), 0]
        sketch_add(entry[0], hashed)
        entry[1] += 1
    TelemetryDailySketch.objects.bulk_create(
        [
            TelemetryDailySketch(
                kind=kind, type=type_, day=day, distinct_count=count, registers=bytes(registers)
            )
            for (kind, type_, day), (registers, count) in sketches.items()
        ],
        batch_size=200,
    )


def rollup_watermark() -> datetime | None:
    """Return up to when the roll-ups are complete, None before the first run."""
    state = TelemetryRollupState.objects.filter(pk=1).first()
    return state.rolled_up_until if state else None


def rollup_raw_slice(*, since: datetime) -> EventSlice:
    """Return the events from `since` on that the roll-ups do not hold (all of them before
    the first run): what metrics read raw."""
    where, params, q = "created_at >= %s", [db_datetime(since)], Q(created_at__gte=since)
    state = TelemetryRollupState.objects.filter(pk=1).first()
    if state and state.rolled_up_until:
        where += " AND (created_at >= %s OR id > %s)"
        params += [db_datetime(state.rolled_up_until), state.last_event_id]
        q &= Q(created_at__gte=state.rolled_up_until) | Q(id__gt=state.last_event_id)
    return EventSlice(where=where, params=params, q=q)


def _locked_state() -> TelemetryRollupState:
    TelemetryRollupState.objects.get_or_create(pk=1)
    return TelemetryRollupState.objects.select_for_update().get(pk=1)


_EVENTS = TelemetryEvent._meta.db_table


def _aggregate_sql(sql: Dialect, events: EventSlice) -> str:
    hour = sql.hour.format("created_at")
    return f"""
        INSERT INTO {TelemetryAggregate._meta.db_table}
            (hour, type, page, device_type, count, duration_count, duration_sum)
        SELECT {hour}, type, page, device_type, COUNT(*), COUNT(duration),
               COALESCE(SUM(duration), 0)
        FROM {_EVENTS}
        WHERE {events.where}
        GROUP BY {hour}, type, page, device_type
    """


def _duration_sql(sql: Dialect, events: EventSlice) -> str:
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
            WHERE {events.where} AND duration IS NOT NULL
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
