"""The digest: error groups' counters as a roll-up of their occurrences.

A report only appends its occurrence and a PendingOccurrence mark (errors.ingest). The digest
claims marks in batches and, in the transaction that deletes them, adds what their occurrences
say to each group: frequency, last seen, highest severity, latest context, hourly counts and
affected users; and it reopens resolved groups seen again in another build and raises the
alerts (new critical error, regression, spike) a report warrants. The marks are deleted in that
same transaction, so each occurrence is counted exactly once: several digests claim disjoint
marks (SKIP LOCKED on PostgreSQL; SQLite runs one writer at a time), and a digest that dies
mid-batch rolls back, leaving its marks for the next one.
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from common.enqueue import task_enqueue
from errors import tasks
from errors.models import (
    SEVERITY_RANK,
    ErrorAffectedUser,
    ErrorHourlyCount,
    ErrorLog,
    ErrorOccurrence,
    ErrorStatus,
    PendingOccurrence,
    Severity,
)
from errors.services import error_alert_create, error_spike_check
from errors.sql import rows_insert

# What the digest reads of a group before it writes it.
_GROUP_STATE = [
    "frequency",
    "severity",
    "status",
    "resolved_at",
    "resolved_in_build",
    "last_seen",
    "regressed_at",
]
# Columns a group copies from its latest occurrence.
_CONTEXT = ["page", "user_agent", "user_id", "session_id", "build_id", "environment", "metadata"]


@dataclass(frozen=True)
class DigestResult:
    """How many occurrences a digest counted, into how many groups (summed over batches)."""

    occurrences: int
    groups: int


@dataclass(slots=True)
class _GroupTally:
    """What one batch's occurrences of one group add up to."""

    count: int = 0
    last_seen: datetime | None = None
    latest_occurrence_id: int = 0
    severity_rank: int = 0
    # (created_at, build_id) of each occurrence, for the regression check.
    seen: list = field(default_factory=list)


def error_digest(*, batch_size: int | None = None, max_seconds: float = 10.0) -> DigestResult:
    """Count the uncounted occurrences, batch by batch, until none is left; return how many.

    After `max_seconds` it stops between batches and sends the digest task again, so one
    task never holds a worker through a long storm.
    """
    batch_size = batch_size or settings.ERRORS["DIGEST_BATCH_SIZE"]
    deadline = time.monotonic() + max_seconds
    occurrences = groups = 0
    while True:
        counted, touched = _batch_digest(batch_size)
        occurrences, groups = occurrences + counted, groups + touched
        if counted < batch_size:
            return DigestResult(occurrences=occurrences, groups=groups)
        if time.monotonic() > deadline:
            task_enqueue(task=tasks.error_digest_task)
            return DigestResult(occurrences=occurrences, groups=groups)


def error_pending_count() -> int:
    """Return how many reported occurrences the digest has not counted yet."""
    return PendingOccurrence.objects.count()


def _batch_digest(batch_size: int) -> tuple[int, int]:
    """Claim up to `batch_size` marks and count their occurrences in one transaction; return
    (occurrences, groups)."""
    with transaction.atomic():
        occurrence_ids = _marks_claim(batch_size)
        if not occurrence_ids:
            return 0, 0
        rows = list(
            ErrorOccurrence.objects.filter(pk__in=occurrence_ids).values_list(
                "pk", "error_id", "created_at", "user_id", "severity", "build_id"
            )
        )
        tallies = _tally(rows)
        # Locked in ID order, so digests sharing groups queue instead of deadlocking; FOR NO
        # KEY UPDATE lets reports keep appending occurrences (their foreign key check) meanwhile.
        groups = list(
            ErrorLog.objects.select_for_update(no_key=True)
            .filter(pk__in=tallies)
            .order_by("pk")
            .only(*_GROUP_STATE)
        )
        users_added = _affected_users_add(rows)
        hours = _hourly_counts_add(rows)
        new_critical, regressed = _groups_update(groups, tallies, users_added)
        for error_id in new_critical:
            error_alert_create(error=ErrorLog.objects.get(pk=error_id), kind="error.new_critical")
        for error_id in regressed:
            error_alert_create(error=ErrorLog.objects.get(pk=error_id), kind="error.regression")
        _spikes_check(hours, ignored={g.pk for g in groups if g.status == ErrorStatus.IGNORED})
    return len(rows), len(groups)


def _marks_claim(batch_size: int) -> list[int]:
    """Delete up to `batch_size` of the oldest marks no other digest holds; return their
    occurrence IDs (the deletion commits with the counts, or not at all)."""
    table = connection.ops.quote_name(PendingOccurrence._meta.db_table)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN "
            f"(SELECT id FROM {table} ORDER BY id LIMIT %s{skip_locked}) RETURNING occurrence_id",
            [batch_size],
        )
        return [occurrence_id for (occurrence_id,) in cursor.fetchall()]


def _tally(rows: list[tuple]) -> dict[int, _GroupTally]:
    tallies: dict[int, _GroupTally] = {}
    for occurrence_id, error_id, created_at, _user_id, severity, build_id in rows:
        tally = tallies.get(error_id)
        if tally is None:
            tally = tallies[error_id] = _GroupTally()
        tally.count += 1
        if tally.last_seen is None or (created_at, occurrence_id) > (
            tally.last_seen,
            tally.latest_occurrence_id,
        ):
            tally.last_seen, tally.latest_occurrence_id = created_at, occurrence_id
        tally.severity_rank = max(tally.severity_rank, SEVERITY_RANK.get(severity, 0))
        tally.seen.append((created_at, build_id))
    return tallies


def _affected_users_add(rows: list[tuple]) -> Counter:
    """Record each (group, user) pair not seen before; return how many new users per group."""
    first_seen: dict[tuple[int, str], datetime] = {}
    for _occurrence_id, error_id, created_at, user_id, _severity, _build in rows:
        if user_id:
            key = (error_id, user_id)
            first_seen[key] = min(created_at, first_seen.get(key, created_at))
    inserted = rows_insert(
        ErrorAffectedUser,
        [(error_id, user_id, seen) for (error_id, user_id), seen in sorted(first_seen.items())],
        on_conflict="(error_id, user_id) DO NOTHING",
        returning="error_id",
    )
    return Counter(error_id for (error_id,) in inserted)


def _hourly_counts_add(rows: list[tuple]) -> list[tuple[int, datetime, int, int]]:
    """Add the occurrences to their groups' hourly counts; return (group, hour, count before,
    count after) per hour touched."""
    added = Counter(
        (error_id, created_at.replace(minute=0, second=0, microsecond=0))
        for _occurrence_id, error_id, created_at, *_rest in rows
    )
    rows_insert(
        ErrorHourlyCount,
        [(error_id, hour, count) for (error_id, hour), count in sorted(added.items())],
        on_conflict="(error_id, hour) DO UPDATE SET count = {table}.count + excluded.count",
    )
    counts = ErrorHourlyCount.objects.filter(
        error_id__in={error_id for error_id, _ in added}, hour__in={hour for _, hour in added}
    ).values_list("error_id", "hour", "count")
    return [
        (error_id, hour, count - added[(error_id, hour)], count)
        for error_id, hour, count in counts
        if (error_id, hour) in added
    ]


def _regressed_at(group: ErrorLog, tally: _GroupTally) -> datetime | None:
    """Return when a resolved group was first seen again after its resolution in a build other
    than the one it was resolved in (any build when none was known), or None."""
    if group.status != ErrorStatus.RESOLVED:
        return None
    again = [
        created_at
        for created_at, build_id in tally.seen
        if (group.resolved_at is None or created_at > group.resolved_at)
        and (not group.resolved_in_build or build_id != group.resolved_in_build)
    ]
    return min(again) if again else None


def _groups_update(
    groups: list[ErrorLog], tallies: dict[int, _GroupTally], users_added: Counter
) -> tuple[list[int], list[int]]:
    """Write each locked group's new counters, severity, context and status; return the IDs of
    the new critical groups and of the groups that regressed."""
    ranks = {rank: severity for severity, rank in SEVERITY_RANK.items()}
    moment = ErrorLog._meta.get_field("last_seen")
    rows, new_critical, regressed = [], [], []
    for group in groups:
        tally = tallies[group.pk]
        regressed_at = _regressed_at(group, tally)
        if group.frequency == 0 and group.severity == Severity.CRITICAL:
            new_critical.append(group.pk)
        if regressed_at is not None:
            regressed.append(group.pk)
            group.status, group.regressed_at = ErrorStatus.REGRESSED, regressed_at
        severity = ranks.get(
            max(SEVERITY_RANK.get(group.severity, 0), tally.severity_rank), group.severity
        )
        # A digest running behind another may hold older occurrences: the latest context wins.
        latest = tally.latest_occurrence_id if tally.last_seen >= group.last_seen else None
        rows.append(
            (
                group.pk,
                tally.count,
                users_added[group.pk],
                moment.get_db_prep_save(max(tally.last_seen, group.last_seen), connection),
                str(severity),
                str(group.status),
                group.status == ErrorStatus.RESOLVED,
                moment.get_db_prep_save(group.regressed_at, connection),
                latest,
            )
        )
    if connection.vendor == "postgresql":
        _group_rows_write_in_one_statement(rows)
    else:
        _group_rows_write_one_by_one(rows)
    return new_critical, regressed


_GROUP_ROW = [
    ("id", "bigint"),
    ("added", "bigint"),
    ("users_added", "integer"),
    ("last_seen", "timestamptz"),
    ("severity", "varchar"),
    ("status", "varchar"),
    ("resolved", "boolean"),
    ("regressed_at", "timestamptz"),
    ("latest", "bigint"),
]


def _group_rows_write_in_one_statement(rows: list[tuple]) -> None:
    """Write the groups' new values with one UPDATE … FROM (VALUES …) per thousand groups
    (PostgreSQL: one plan instead of one per group)."""
    quote = connection.ops.quote_name
    groups, occurrences = quote(ErrorLog._meta.db_table), quote(ErrorOccurrence._meta.db_table)
    row = "(" + ", ".join(f"%s::{kind}" for _, kind in _GROUP_ROW) + ")"
    context = ", ".join(
        f"{column} = CASE WHEN v.latest IS NULL THEN g.{column} ELSE o.{column} END"
        for column in _CONTEXT
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            cursor.execute(
                f"UPDATE {groups} AS g SET frequency = g.frequency + v.added, "
                "users_affected = g.users_affected + v.users_added, last_seen = v.last_seen, "
                "severity = v.severity, status = v.status, resolved = v.resolved, "
                f"regressed_at = v.regressed_at, {context} "
                f"FROM (VALUES {', '.join([row] * len(chunk))}) "
                f"AS v({', '.join(name for name, _ in _GROUP_ROW)}) "
                f"LEFT JOIN {occurrences} AS o ON o.id = v.latest WHERE g.id = v.id",
                [value for values in chunk for value in values],
            )


def _group_rows_write_one_by_one(rows: list[tuple]) -> None:
    """Write the groups' new values with one UPDATE per group (SQLite, in process: cheap)."""
    quote = connection.ops.quote_name
    counters = (
        f"UPDATE {quote(ErrorLog._meta.db_table)} SET frequency = frequency + %s, "
        "users_affected = users_affected + %s, last_seen = %s, severity = %s, status = %s, "
        "resolved = %s, regressed_at = %s"
    )
    context = (
        f", ({', '.join(_CONTEXT)}) = (SELECT {', '.join(_CONTEXT)} FROM "
        f"{quote(ErrorOccurrence._meta.db_table)} WHERE id = %s)"
    )
    with connection.cursor() as cursor:
        for group_id, *values, latest in rows:
            if latest is None:
                cursor.execute(f"{counters} WHERE id = %s", [*values, group_id])
            else:
                cursor.execute(f"{counters}{context} WHERE id = %s", [*values, latest, group_id])


def _spike_checkpoint_crossed(before: int, after: int) -> bool:
    """Return whether an hour's count passed a point at which a spike check runs: the minimum,
    then each doubling, so a flood runs a handful of checks, not one per report."""
    checkpoint = settings.ERRORS["SPIKE_MIN_COUNT"]
    while checkpoint <= before:
        checkpoint *= 2
    return checkpoint <= after


def _spikes_check(hours: list[tuple[int, datetime, int, int]], *, ignored: set[int]) -> None:
    for error_id, hour, before, after in hours:
        if error_id not in ignored and _spike_checkpoint_crossed(before, after):
            error_spike_check(error_id=error_id, hour=hour)
