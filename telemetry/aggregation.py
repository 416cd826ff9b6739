"""Hourly and daily roll-ups of raw telemetry: what they hold, how they are rebuilt.

The roll-up is computed in SQL on both databases (one INSERT … SELECT per table), with the
few expressions that differ between PostgreSQL and SQLite taken from telemetry.sql; the
histograms and sketches it stores are described in telemetry.sketches.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncHour
from django.utils import timezone

from projects.selectors import telemetry_retention_days_shortest
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
from telemetry.sketches import SKETCH_REGISTERS, histogram_merge, sketch_add, sketch_merge
from telemetry.sql import Dialect, db_datetime, db_dialect


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

    def of_projects(self, project_ids: list[int]) -> "EventSlice":
        """Return the slice narrowed to the events of the projects `project_ids`."""
        marks = ", ".join(["%s"] * len(project_ids)) or "NULL"
        return EventSlice(
            where=f"{self.where} AND project_id IN ({marks})",
            params=[*self.params, *project_ids],
            q=self.q & Q(project_id__in=project_ids),
        )

    def of_type(self, event_type: str | None) -> "EventSlice":
        """Return the slice narrowed to the events of one type (itself when None)."""
        if not event_type:
            return self
        return EventSlice(
            where=f"{self.where} AND type = %s",
            params=[*self.params, event_type],
            q=self.q & Q(type=event_type),
        )


def floor_hour(value: datetime) -> datetime:
    """Return the start of the hour of `value`."""
    return value.replace(minute=0, second=0, microsecond=0)


def _slice(*, last_id=None, until=None, since=None, before=None, previous=None) -> EventSlice:
    """Return the events with id <= last_id stamped in [since, before) and before `until`
    (each bound only when given), of those only the ones not rolled up by `previous` (its
    (until, last_id)) when given."""
    where, params, q = [], [], Q()
    for condition, param, lookup in (
        ("id <= %s", last_id, Q(id__lte=last_id)),
        ("created_at < %s", until, Q(created_at__lt=until)),
        ("created_at >= %s", since, Q(created_at__gte=since)),
        ("created_at < %s", before, Q(created_at__lt=before)),
    ):
        if param is not None:
            where.append(condition)
            params.append(param if isinstance(param, int) else db_datetime(param))
            q &= lookup
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
    still kept (in every project: the shortest retention counts), so it never replaces a
    roll-up by the partial remains of a purged hour.
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
                now - timedelta(days=telemetry_retention_days_shortest())
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
    dialect = db_dialect()
    with connection.cursor() as cursor:
        cursor.execute(_add_counts_sql(dialect, TelemetryAggregate, "hour", events), events.params)
        aggregate_rows = cursor.rowcount
        cursor.execute(
            _add_counts_sql(dialect, TelemetryDailyAggregate, "day", events), events.params
        )
        for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
            for type_column in ("type", f"'{ANY_TYPE}'"):
                cursor.execute(
                    _add_unique_sql(dialect, column=column, type_column=type_column, events=events),
                    [kind.value, *events.params],
                )
    duration_rows = _add_histograms(events)
    _add_to_sketches(events)
    return count, aggregate_rows, duration_rows


def _add_counts_sql(dialect: Dialect, model, period: str, events: EventSlice) -> str:
    """Return the upsert that adds the slice's counts per (project, period, type, page, device)."""
    table = model._meta.db_table
    bucket = (dialect.hour if period == "hour" else dialect.day).format("created_at")
    return f"""
        INSERT INTO {table}
            (project_id, {period}, type, page, device_type, count, duration_count, duration_sum)
        SELECT project_id, {bucket}, type, page, device_type, COUNT(*), COUNT(duration),
               COALESCE(SUM(duration), 0)
        FROM {_EVENTS}
        WHERE {events.where}
        GROUP BY project_id, {bucket}, type, page, device_type
        ON CONFLICT (project_id, {period}, type, page, device_type) DO UPDATE SET
            count = {table}.count + excluded.count,
            duration_count = {table}.duration_count + excluded.duration_count,
            duration_sum = {table}.duration_sum + excluded.duration_sum
    """


def _add_unique_sql(dialect: Dialect, *, column: str, type_column: str, events: EventSlice) -> str:
    """Return the insert of the slice's IDs into the daily sets (per type, or `*`)."""
    return f"""
        {dialect.insert_ignore} {TelemetryDailyUnique._meta.db_table}
            (project_id, kind, type, day, value_hash)
        SELECT DISTINCT project_id, %s, {type_column}, {dialect.day.format("created_at")},
               {dialect.hash.format(column)}
        FROM {_EVENTS}
        WHERE {events.where} AND {column} <> ''
        {dialect.on_conflict_ignore}
    """


def _add_histograms(events: EventSlice) -> int:
    """Merge the slice's durations into the hourly and daily histograms; return how many
    hourly histograms it touched."""
    buckets = (
        TelemetryEvent.objects.filter(events.q, duration__isnull=False)
        .annotate(
            hour=TruncHour("created_at", tzinfo=UTC),
            bucket=RawSQL(db_dialect().bucket("duration"), []),
        )
        .values("project_id", "hour", "type", "bucket")
        .annotate(n=Count("id"), total=Sum("duration"), maximum=Max("duration"))
        .values_list("project_id", "hour", "type", "bucket", "n", "total", "maximum")
        .order_by()
    )
    hourly: dict[tuple, list] = {}
    daily: dict[tuple, list] = {}
    for project_id, hour, type_, bucket, n, total, maximum in buckets:
        hour = hour.astimezone(UTC)
        for totals, key in (
            (hourly, (project_id, hour, type_)),
            (daily, (project_id, hour.date(), type_)),
        ):
            entry = totals.setdefault(key, [0, 0, 0, {}])
            entry[0] += n
            entry[1] += total
            entry[2] = max(entry[2], maximum)
            entry[3][int(bucket)] = entry[3].get(int(bucket), 0) + n
    _merge_histogram_rows(TelemetryDurationAggregate, "hour", hourly)
    _merge_histogram_rows(TelemetryDailyDurationAggregate, "day", daily)
    return len(hourly)


def _merge_histogram_rows(model, period: str, additions: dict[tuple, list]) -> None:
    """Add (count, total, maximum, histogram) to the rows keyed by (project, period, type)."""
    if not additions:
        return
    existing = {
        (row.project_id, getattr(row, period), row.type): row
        for row in model.objects.filter(
            project_id__in={key[0] for key in additions},
            **{f"{period}__in": {key[1] for key in additions}},
            type__in={key[2] for key in additions},
        )
    }
    changed, created = [], []
    for (project_id, when, type_), (count, total, maximum, histogram) in additions.items():
        row = existing.get((project_id, when, type_))
        if row is None:
            created.append(
                model(
                    project_id=project_id,
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
    dialect = db_dialect()
    day_sql = dialect.day.format("created_at")
    sketches: dict[tuple, bytearray] = {}
    with connection.cursor() as cursor:
        for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
            cursor.execute(
                f"""
                SELECT DISTINCT project_id, type, {day_sql}, {dialect.hash.format(column)}
                FROM {_EVENTS} WHERE {events.where} AND {column} <> ''
                """,
                events.params,
            )
            for project_id, type_, day, hashed in cursor.fetchall():
                day = _as_date(day)
                for key in (
                    (project_id, kind.value, type_, day),
                    (project_id, kind.value, ANY_TYPE, day),
                ):
                    registers = sketches.get(key)
                    if registers is None:
                        registers = sketches[key] = bytearray(SKETCH_REGISTERS)
                    sketch_add(registers, hashed)
    if not sketches:
        return
    days = {key[3] for key in sketches}
    projects = {key[0] for key in sketches}
    counts = dict(
        (((project_id, kind, type_, day), n))
        for project_id, kind, type_, day, n in TelemetryDailyUnique.objects.filter(
            project_id__in=projects, day__in=days
        )
        .values("project_id", "kind", "type", "day")
        .annotate(n=Count("value_hash"))
        .values_list("project_id", "kind", "type", "day", "n")
        .order_by()
    )
    existing = {
        (row.project_id, row.kind, row.type, row.day): row
        for row in TelemetryDailySketch.objects.filter(project_id__in=projects, day__in=days)
    }
    changed, created = [], []
    for key, registers in sketches.items():
        row = existing.get(key)
        if row is None:
            project_id, kind, type_, day = key
            created.append(
                TelemetryDailySketch(
                    project_id=project_id,
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
    dialect = db_dialect()
    with connection.cursor() as cursor:
        cursor.execute(_add_counts_sql(dialect, TelemetryAggregate, "hour", events), events.params)
        aggregate_rows = cursor.rowcount
        cursor.execute(_duration_sql(dialect, events), events.params)
        duration_rows = cursor.rowcount
        cursor.execute(_daily_aggregate_sql(dialect), [db_datetime(first_day)])
        cursor.execute(_daily_duration_sql(dialect), [db_datetime(first_day)] * 2)
        for kind, column in ((UniqueKind.SESSION, "session_id"), (UniqueKind.USER, "user_id")):
            cursor.execute(
                _add_unique_sql(dialect, column=column, type_column="type", events=events),
                [kind.value, *events.params],
            )
            cursor.execute(
                _any_type_unique_sql(dialect),
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
        .values_list("project_id", "kind", "type", "day", "value_hash")
        .iterator(chunk_size=20_000)
    )
    for project_id, kind, type_, day, hashed in ids:
        key = (project_id, kind, type_, day)
        entry = sketches.get(key)
        if entry is None:
            entry = sketches[key] = [bytearray(SKETCH_REGISTERS), 0]
        sketch_add(entry[0], hashed)
        entry[1] += 1
    TelemetryDailySketch.objects.bulk_create(
        [
            TelemetryDailySketch(
                project_id=project_id,
                kind=kind,
                type=type_,
                day=day,
                distinct_count=count,
                registers=bytes(registers),
            )
            for (project_id, kind, type_, day), (registers, count) in sketches.items()
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
    state = TelemetryRollupState.objects.filter(pk=1).first()
    if state and state.rolled_up_until:
        return _slice(since=since, previous=(state.rolled_up_until, state.last_event_id))
    return _slice(since=since)


def _locked_state() -> TelemetryRollupState:
    TelemetryRollupState.objects.get_or_create(pk=1)
    return TelemetryRollupState.objects.select_for_update().get(pk=1)


_EVENTS = TelemetryEvent._meta.db_table


def _duration_sql(dialect: Dialect, events: EventSlice) -> str:
    hour = dialect.hour.format("created_at")
    bucket = dialect.bucket("duration")
    return f"""
        INSERT INTO {TelemetryDurationAggregate._meta.db_table}
            (project_id, hour, type, count, total, maximum, histogram)
        SELECT project_id, hour, type, SUM(n), SUM(total), MAX(maximum),
               COALESCE({dialect.object_agg}(CAST(bucket AS TEXT), n), {dialect.empty_object})
        FROM (
            SELECT project_id, {hour} AS hour, type, {bucket} AS bucket, COUNT(*) AS n,
                   SUM(duration) AS total, MAX(duration) AS maximum
            FROM {_EVENTS}
            WHERE {events.where} AND duration IS NOT NULL
            GROUP BY project_id, {hour}, type, {bucket}
        ) AS buckets
        GROUP BY project_id, hour, type
    """


def _daily_aggregate_sql(dialect: Dialect) -> str:
    day = dialect.day.format("hour")
    return f"""
        INSERT INTO {TelemetryDailyAggregate._meta.db_table}
            (project_id, day, type, page, device_type, count, duration_count, duration_sum)
        SELECT project_id, {day}, type, page, device_type, SUM(count), SUM(duration_count),
               SUM(duration_sum)
        FROM {TelemetryAggregate._meta.db_table}
        WHERE hour >= %s
        GROUP BY project_id, {day}, type, page, device_type
    """


def _daily_duration_sql(dialect: Dialect) -> str:
    hourly = TelemetryDurationAggregate._meta.db_table
    day = dialect.day.format("hour")
    # Qualified: SQLite's json_each has columns named type and key too.
    hourly_day = dialect.day.format(f"{hourly}.hour")
    entries = dialect.object_entries.format(f"{hourly}.histogram")
    return f"""
        INSERT INTO {TelemetryDailyDurationAggregate._meta.db_table}
            (project_id, day, type, count, total, maximum, histogram)
        SELECT totals.project_id, totals.day, totals.type, totals.count, totals.total,
               totals.maximum, histograms.histogram
        FROM (
            SELECT project_id, {day} AS day, type, SUM(count) AS count, SUM(total) AS total,
                   MAX(maximum) AS maximum
            FROM {hourly} WHERE hour >= %s GROUP BY project_id, {day}, type
        ) AS totals
        JOIN (
            SELECT project_id, day, type, {dialect.object_agg}(bucket, n) AS histogram
            FROM (
                SELECT {hourly}.project_id AS project_id, {hourly_day} AS day,
                       {hourly}.type AS type, entry.key AS bucket,
                       SUM(CAST(entry.value AS BIGINT)) AS n
                FROM {hourly}, {entries} AS entry
                WHERE {hourly}.hour >= %s
                GROUP BY {hourly}.project_id, {hourly_day}, {hourly}.type, entry.key
            ) AS buckets
            GROUP BY project_id, day, type
        ) AS histograms ON histograms.project_id = totals.project_id
            AND histograms.day = totals.day AND histograms.type = totals.type
    """


def _any_type_unique_sql(dialect: Dialect) -> str:
    """Return the query that derives the any-type sets from the per-type sets of a kind."""
    table = TelemetryDailyUnique._meta.db_table
    return f"""
        {dialect.insert_ignore} {table} (project_id, kind, type, day, value_hash)
        SELECT DISTINCT project_id, kind, '{ANY_TYPE}', day, value_hash
        FROM {table}
        WHERE kind = %s AND type <> '{ANY_TYPE}' AND day >= %s
        {dialect.on_conflict_ignore}
    """
