"""Recording error reports: the scrubbed values of a report, its group found (or created) by
fingerprint, and its occurrence appended for the digest (errors.digest) to count.

A report touches no counter: appending its occurrence is an insert that never waits for another
report, so a thousand clients reporting one error do not queue on its group row.
"""

import functools
import time
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from common.enqueue import task_enqueue
from common.privacy import (
    scrub_data,
    scrub_identifier,
    scrub_short_text,
    scrub_text,
    scrub_url,
)
from errors import tasks
from errors.grouping import error_fingerprint
from errors.models import ErrorLog, ErrorOccurrence, PendingOccurrence, Severity
from errors.sql import rows_insert
from projects.models import DEFAULT_PROJECT_ID

# The stored message and stack are text columns; a report's are cut to these lengths.
MAX_MESSAGE_LENGTH = 2000
MAX_STACK_LENGTH = 16000


@dataclass(frozen=True)
class ErrorReportInput:
    """One validated error report: what the reporter sent, before scrubbing."""

    error_type: str
    message: str
    stack: str = ""
    page: str = ""
    severity: str = Severity.ERROR
    user_id: str = ""
    session_id: str = ""
    build_id: str = ""
    environment: str = ""
    user_agent: str = ""
    metadata: dict | None = None
    fingerprint: str = ""
    project_id: int = DEFAULT_PROJECT_ID


@dataclass(frozen=True)
class ReportedError:
    """Where a report was filed: its group, and whether this report created the group."""

    error_id: int
    created: bool


def _max_length(name: str) -> int:
    return ErrorLog._meta.get_field(name).max_length


def error_report(*, report: ErrorReportInput, request_user_agent: str = "") -> ReportedError:
    """Record one error report: file its scrubbed occurrence in the group of its fingerprint
    (creating the group for a new one) and return where it went.

    Once this returns (and the caller's transaction commits) the report is durable; the group's
    counters, severity, latest context and status follow within about a second, when the digest
    counts the occurrence (errors.digest, which also raises the alerts a report warrants).
    """
    group_values, occurrence_values = error_report_values(
        report=report, request_user_agent=request_user_agent
    )
    group_key = (report.project_id, group_values["fingerprint"])
    error_id = _group_ids.get(group_key)
    created = False
    if error_id is None or not _occurrence_append(error_id, group_key, occurrence_values):
        error_id, created = _group_find_or_create(group_values)
        if not _occurrence_append(error_id, group_key, occurrence_values):
            # Deleted between the two statements (a purge, a staff delete): file it afresh.
            error_id, created = _group_find_or_create(group_values)
            _occurrence_append(error_id, group_key, occurrence_values, must=True)
        _group_ids.remember(group_key, error_id)
    transaction.on_commit(error_digest_soon)
    return ReportedError(error_id=error_id, created=created)


def error_report_values(
    *, report: ErrorReportInput, request_user_agent: str = ""
) -> tuple[dict, dict]:
    """Return the scrubbed column values of a report's group (should it be new) and of its
    occurrence."""
    now = timezone.now()
    error_type = scrub_text(report.error_type.strip(), max_length=_max_length("error_type"))
    message = scrub_text(report.message, max_length=MAX_MESSAGE_LENGTH)
    stack = scrub_text(report.stack, max_length=MAX_STACK_LENGTH)
    context = {
        "page": scrub_url(report.page),
        "user_agent": scrub_short_text(
            report.user_agent or request_user_agent or "", max_length=_max_length("user_agent")
        ),
        "user_id": scrub_identifier(report.user_id),
        "session_id": scrub_identifier(report.session_id),
        "build_id": scrub_short_text(report.build_id, max_length=_max_length("build_id")),
        "environment": scrub_short_text(report.environment, max_length=_max_length("environment")),
        "metadata": scrub_data(report.metadata) if report.metadata is not None else None,
        "severity": report.severity,
    }
    fingerprint = error_fingerprint(
        error_type=error_type,
        message=message,
        stack=stack,
        client_fingerprint=report.fingerprint,
    )
    group_values = {
        **context,
        "project_id": report.project_id,
        "fingerprint": fingerprint,
        "error_type": error_type,
        "message": message,
        "stack": stack,
        "first_seen": now,
        "last_seen": now,
    }
    occurrence_values = {**context, "message": message, "created_at": now}
    return group_values, occurrence_values


class _GroupIds:
    """This process's (project ID, fingerprint) → group ID map, so a known error's report
    reads no group.

    A stale entry cannot misfile a report: the occurrence insert re-checks the ID, the project
    and the fingerprint together and writes nothing when they no longer match (error_report).
    """

    MAX_ENTRIES = 10_000

    def __init__(self):
        self._ids: dict[tuple[int, str], int] = {}

    def get(self, group_key: tuple[int, str]) -> int | None:
        return self._ids.get(group_key)

    def remember(self, group_key: tuple[int, str], error_id: int) -> None:
        if len(self._ids) >= self.MAX_ENTRIES:
            self._ids.clear()
        self._ids[group_key] = error_id


_group_ids = _GroupIds()


def _group_find_or_create(group_values: dict) -> tuple[int, bool]:
    """Return the ID of the group with this project and fingerprint, creating it (counted 0
    times, for the digest to count) when there is none, and whether it was created here."""
    project_id, fingerprint = group_values["project_id"], group_values["fingerprint"]
    while True:
        found = ErrorLog.objects.filter(project_id=project_id, fingerprint=fingerprint)
        for error_id in found.values_list("pk", flat=True):
            return error_id, False
        # Only the first of several concurrent reports of a new error inserts; the others
        # find the row it committed on their next pass.
        group = ErrorLog(**group_values, frequency=0)
        fields = [field for field in ErrorLog._meta.concrete_fields if not field.primary_key]
        inserted = rows_insert(
            ErrorLog,
            [tuple(getattr(group, field.attname) for field in fields)],
            on_conflict="(project_id, fingerprint) DO NOTHING",
            returning="id",
        )
        for (error_id,) in inserted:
            return error_id, True


# Every occurrence column but the ID, which the database assigns, and the group's.
_OCCURRENCE_FIELDS = [
    field
    for field in ErrorOccurrence._meta.concrete_fields
    if not field.primary_key and field.column != "error_id"
]


@functools.cache
def _occurrence_append_sql(vendor: str) -> list[str]:
    """Return the statements that append an occurrence and its pending mark (built once)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _OCCURRENCE_FIELDS)
    insert = (
        f"INSERT INTO {quote(ErrorOccurrence._meta.db_table)} (error_id, {columns}) "
        f"SELECT id, {', '.join(['%s'] * len(_OCCURRENCE_FIELDS))} "
        f"FROM {quote(ErrorLog._meta.db_table)} "
        "WHERE id = %s AND project_id = %s AND fingerprint = %s RETURNING id"
    )
    pending = quote(PendingOccurrence._meta.db_table)
    if vendor == "postgresql":
        # One statement, so one round trip and (in autocommit) one commit.
        return [f"WITH o AS ({insert}) INSERT INTO {pending} (occurrence_id) SELECT id FROM o"]
    return [insert, f"INSERT INTO {pending} (occurrence_id) VALUES (%s)"]


def _occurrence_append(
    error_id: int, group_key: tuple[int, str], values: dict, *, must: bool = False
) -> bool:
    """Insert the occurrence and its pending mark into group `error_id` if that group still has
    `group_key` (project ID, fingerprint); return whether it did (with `must`, raise instead of
    returning False)."""
    params = [
        *(field.get_db_prep_save(values[field.column], connection) for field in _OCCURRENCE_FIELDS),
        error_id,
        *group_key,
    ]
    statements = _occurrence_append_sql(connection.vendor)
    try:
        with connection.cursor() as cursor:
            if len(statements) == 1:
                cursor.execute(statements[0], params)
                appended = cursor.rowcount == 1
            else:
                with transaction.atomic():
                    cursor.execute(statements[0], params)
                    row = cursor.fetchone()
                    if row is not None:
                        cursor.execute(statements[1], [row[0]])
                appended = row is not None
    except IntegrityError:
        # Outside a transaction the foreign key is checked as the statement commits: the
        # group went away in between.
        if must or not connection.get_autocommit():
            raise
        appended = False
    if must and not appended:
        raise IntegrityError(f"The error group {error_id} vanished twice while filing a report.")
    return appended


_next_digest_at = 0.0
# Held in the shared cache for DIGEST_DELAY_SECONDS by the process that sent the digest.
_DIGEST_SENT_KEY = "errors:digest-sent"


def error_digest_soon() -> None:
    """Have the digest count new occurrences within DIGEST_DELAY_SECONDS.

    Each process looks at most once per delay, and of all processes sharing the cache only the
    first to look sends the task, due at the delay's end: it covers every report committed
    meanwhile. (A lost task is covered by the next one, and by Celery beat's catch-up.) Run in
    process (tests, CELERY_TASK_ALWAYS_EAGER) every report's digest runs at once.
    """
    global _next_digest_at
    now = time.monotonic()
    if now < _next_digest_at:
        return
    delay = 0.0 if current_app.conf.task_always_eager else settings.ERRORS["DIGEST_DELAY_SECONDS"]
    _next_digest_at = now + delay
    if delay and not _digest_slot_claimed(delay):
        return
    task_enqueue(task=tasks.error_digest_task, countdown=delay or None)


def _digest_slot_claimed(delay: float) -> bool:
    """Claim the next `delay` seconds' digest for this process; return whether it got them (no
    other process sharing the cache had); with the cache out of reach, it may send anyway."""
    try:
        return cache.add(_DIGEST_SENT_KEY, 1, timeout=delay)
    except Exception:
        return True
