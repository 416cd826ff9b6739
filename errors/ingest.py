"""Recording error reports: the scrubbed column values, the one-round-trip PostgreSQL
statement, the step-by-step path of other databases, and the converters back to a model."""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from common.enqueue import task_enqueue_on_commit
from common.privacy import (
    scrub_data,
    scrub_identifier,
    scrub_short_text,
    scrub_text,
    scrub_url,
)
from errors import tasks
from errors.grouping import error_fingerprint
from errors.models import (
    SEVERITY_RANK,
    ErrorAffectedUser,
    ErrorHourlyCount,
    ErrorLog,
    ErrorOccurrence,
    ErrorStatus,
    Severity,
)
from errors.services import error_alert_create

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


def _max_length(name: str) -> int:
    return ErrorLog._meta.get_field(name).max_length


def _severity_rank_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in SEVERITY_RANK.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


_GROUP_COLUMNS = [field.column for field in ErrorLog._meta.concrete_fields]
_OCCURRENCE_COLUMNS = [
    field.column for field in ErrorOccurrence._meta.concrete_fields if field.column != "id"
]
# Set by the one-statement report when it added an affected user; read by the statement after it.
_AFFECTED_USER_SETTING = "errors.affected_user_added"


@functools.cache
def _upsert_group_sql() -> tuple[str, list[str]]:
    """Return the group upsert and its columns (built once: it depends only on the model)."""
    table = connection.ops.quote_name(ErrorLog._meta.db_table)
    columns = [field.column for field in ErrorLog._meta.concrete_fields if field.column != "id"]
    regress = (
        f"({table}.status = '{ErrorStatus.RESOLVED}' AND ({table}.resolved_in_build = '' "
        f"OR {table}.resolved_in_build <> excluded.build_id))"
    )
    latest = ["page", "user_agent", "user_id", "session_id", "build_id", "environment", "metadata"]
    updates = [f"{column} = excluded.{column}" for column in latest] + [
        f"frequency = {table}.frequency + 1",
        "last_seen = excluded.last_seen",
        f"severity = CASE WHEN {_severity_rank_sql('excluded.severity')} > "
        f"{_severity_rank_sql(f'{table}.severity')} THEN excluded.severity "
        f"ELSE {table}.severity END",
        f"status = CASE WHEN {regress} THEN '{ErrorStatus.REGRESSED}' ELSE {table}.status END",
        f"resolved = CASE WHEN {regress} THEN FALSE ELSE {table}.resolved END",
        f"regressed_at = CASE WHEN {regress} THEN excluded.last_seen ELSE {table}.regressed_at END",
    ]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT (fingerprint) DO UPDATE SET {', '.join(updates)} "
        # regressed_at equals last_seen only when this very statement regressed the group.
        f"RETURNING {', '.join(_GROUP_COLUMNS)}, "
        f"(regressed_at IS NOT NULL AND regressed_at = last_seen) AS regressed"
    ), columns


def _db_values(model, values: dict, columns: list[str]) -> list:
    fields = _fields_by_column(model)
    return [fields[column].get_db_prep_save(values[column], connection) for column in columns]


@functools.cache
def _fields_by_column(model) -> dict:
    return {field.column: field for field in model._meta.concrete_fields}


def error_report(
    *, report: ErrorReportInput, request_user_agent: str = ""
) -> tuple[ErrorLog, bool]:
    """Record one error report; return its group and whether the group is new.

    Text is scrubbed before it is stored; the group's frequency, severity (the highest seen),
    latest context and status (resolved → regressed when seen in another build) change in one
    atomic upsert, so concurrent reports never lose an increment or create two groups. An
    alert it warrants (a new critical group, a regression) is recorded as pending deliveries
    right after the report, so it survives a broker outage; spike checks are enqueued after
    commit.
    """
    group_values, occurrence_values, hour = error_report_values(
        report=report, request_user_agent=request_user_agent
    )
    if connection.vendor == "postgresql":
        error, regressed, hour_count = _report_in_one_round_trip(
            group_values=group_values, occurrence_values=occurrence_values, hour=hour
        )
    else:
        error, regressed, hour_count = _report_step_by_step(
            group_values=group_values, occurrence_values=occurrence_values, hour=hour
        )
    created = error.frequency == 1

    if created and error.severity == Severity.CRITICAL:
        error_alert_create(error=error, kind="error.new_critical")
    if regressed:
        error_alert_create(error=error, kind="error.regression")
    if error.status != ErrorStatus.IGNORED and _is_spike_checkpoint(hour_count):
        task_enqueue_on_commit(task=tasks.error_spike_check_task, args=(error.pk, hour.isoformat()))
    return error, created


def error_report_values(
    *, report: ErrorReportInput, request_user_agent: str = ""
) -> tuple[dict, dict, datetime]:
    """Return the scrubbed column values of a report's group and occurrence, and its hour."""
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
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
    }
    fingerprint = error_fingerprint(
        error_type=error_type,
        message=message,
        stack=stack,
        client_fingerprint=report.fingerprint,
    )
    group_values = {
        **context,
        "fingerprint": fingerprint,
        "error_type": error_type,
        "message": message,
        "stack": stack,
        "severity": report.severity,
        "frequency": 1,
        "users_affected": 0,
        "first_seen": now,
        "last_seen": now,
        "status": ErrorStatus.NEW,
        "resolved": False,
        "resolved_at": None,
        "resolved_in_build": "",
        "resolved_by_id": None,
        "regressed_at": None,
        "last_alerted_at": None,
    }
    occurrence_values = {
        **context,
        "message": message,
        "severity": report.severity,
        "created_at": now,
    }
    return group_values, occurrence_values, hour


@functools.cache
def _report_sql() -> tuple[str, list[str], list[str]]:
    """Return the text of `error_report_statement` and its group and occurrence columns (built once:
    it depends only on the models)."""
    quote = connection.ops.quote_name
    group_table = quote(ErrorLog._meta.db_table)
    occurrence_table = quote(ErrorOccurrence._meta.db_table)
    hourly_table = quote(ErrorHourlyCount._meta.db_table)
    user_table = quote(ErrorAffectedUser._meta.db_table)
    upsert, group_columns = _upsert_group_sql()
    occurrence_columns = [column for column in _OCCURRENCE_COLUMNS if column != "error_id"]
    sql = (
        f"WITH g AS ({upsert}), "
        f"o AS (INSERT INTO {occurrence_table} (error_id, {', '.join(occurrence_columns)}) "
        f"SELECT g.id, {', '.join(['%s'] * len(occurrence_columns))} FROM g), "
        f"h AS (INSERT INTO {hourly_table} (error_id, hour, count) SELECT g.id, %s, 1 FROM g "
        f"ON CONFLICT (error_id, hour) DO UPDATE SET count = {hourly_table}.count + 1 "
        f"RETURNING count), "
        f"u AS (INSERT INTO {user_table} (error_id, user_id, first_seen) "
        f"SELECT g.id, %s, %s FROM g WHERE %s <> '' "
        f"ON CONFLICT (error_id, user_id) DO NOTHING RETURNING error_id) "
        f"SELECT g.*, (SELECT count FROM h), "
        f"set_config('{_AFFECTED_USER_SETTING}', "
        f"coalesce((SELECT error_id::text FROM u), ''), true) FROM g; "
        f"UPDATE {group_table} SET users_affected = users_affected + 1 "
        f"WHERE id = nullif(current_setting('{_AFFECTED_USER_SETTING}'), '')::bigint"
    )
    return sql, group_columns, occurrence_columns


def _report_in_one_round_trip(
    *, group_values: dict, occurrence_values: dict, hour: datetime
) -> tuple[ErrorLog, bool, int]:
    """Upsert the group, add the occurrence, count the hour and the affected user in one
    round trip to PostgreSQL; return the group, whether it regressed, and the hour's count."""
    sql, params = error_report_statement(
        group_values=group_values, occurrence_values=occurrence_values, hour=hour
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        *group_row, regressed, hour_count, user_added = cursor.fetchone()
    error = _group_from_row(group_row)
    if user_added:
        error.users_affected += 1
    return error, regressed, hour_count


def error_report_statement(
    *, group_values: dict, occurrence_values: dict, hour: datetime
) -> tuple[str, list]:
    """Return the PostgreSQL statement (and its parameters) that records one report.

    The data-modifying CTEs all read the group row the upsert returns, so they run after it
    and in the same snapshot. PostgreSQL cannot change the group row twice in one statement,
    so a newly affected user is counted by a second statement sent in the same query string:
    a simple query's statements form one implicit transaction (Django's psycopg backend binds
    parameters client-side, which allows several statements), and the first hands the group
    ID to the second through a transaction-local setting. `make bench` runs this very
    statement straight from psycopg as the raw baseline of error ingest.
    """
    sql, group_columns, occurrence_columns = _report_sql()
    user_id = occurrence_values["user_id"]
    params = [
        *_db_values(ErrorLog, group_values, group_columns),
        *_db_values(ErrorOccurrence, occurrence_values, occurrence_columns),
        hour,
        user_id,
        occurrence_values["created_at"],
        user_id,
    ]
    return sql, params


def _group_from_row(row: list) -> ErrorLog:
    values = []
    for (column, converters), value in zip(_group_converters(connection.vendor), row, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    return ErrorLog.from_db(connection.alias, _GROUP_ATTNAMES, values)


_GROUP_ATTNAMES = [field.attname for field in ErrorLog._meta.concrete_fields]


@functools.cache
def _group_converters(vendor: str) -> list[tuple]:
    """Return each group column with the converters Django applies to it when reading rows
    (the same for every connection to one kind of database)."""
    columns = []
    for field in ErrorLog._meta.concrete_fields:
        column = field.get_col(ErrorLog._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        columns.append((column, converters))
    return columns


def _report_step_by_step(
    *, group_values: dict, occurrence_values: dict, hour: datetime
) -> tuple[ErrorLog, bool, int]:
    """Do what `_report_in_one_round_trip` does, one statement at a time in a transaction."""
    sql, columns = _upsert_group_sql()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, _db_values(ErrorLog, group_values, columns))
            *group_row, regressed = cursor.fetchone()
        error = _group_from_row(group_row)
        ErrorOccurrence.objects.create(error_id=error.pk, **occurrence_values)
        hour_count = _hourly_count_increment(error_id=error.pk, hour=hour)
        user_id = occurrence_values["user_id"]
        if user_id and _affected_user_add(
            error_id=error.pk, user_id=user_id, now=occurrence_values["created_at"]
        ):
            error.users_affected += 1
    return error, regressed, hour_count


def _hourly_count_increment(*, error_id: int, hour: datetime) -> int:
    table = connection.ops.quote_name(ErrorHourlyCount._meta.db_table)
    columns = ["error_id", "hour", "count"]
    values = _db_values(ErrorHourlyCount, {"error_id": error_id, "hour": hour, "count": 1}, columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (error_id, hour, count) VALUES (%s, %s, %s) "
            f"ON CONFLICT (error_id, hour) DO UPDATE SET count = {table}.count + 1 "
            f"RETURNING count",
            values,
        )
        return cursor.fetchone()[0]


def _affected_user_add(*, error_id: int, user_id: str, now: datetime) -> bool:
    table = connection.ops.quote_name(ErrorAffectedUser._meta.db_table)
    columns = ["error_id", "user_id", "first_seen"]
    values = _db_values(
        ErrorAffectedUser, {"error_id": error_id, "user_id": user_id, "first_seen": now}, columns
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (error_id, user_id, first_seen) VALUES (%s, %s, %s) "
            f"ON CONFLICT (error_id, user_id) DO NOTHING RETURNING id",
            values,
        )
        inserted = cursor.fetchone() is not None
    if inserted:
        ErrorLog.objects.filter(pk=error_id).update(users_affected=F("users_affected") + 1)
    return inserted


def _is_spike_checkpoint(hour_count: int) -> bool:
    """Return whether this hour's count is one at which a spike check runs: the minimum, then
    each doubling, so a flood enqueues a handful of checks, not one per report."""
    minimum = settings.ERRORS["SPIKE_MIN_COUNT"]
    if hour_count < minimum or hour_count % minimum:
        return False
    multiple = hour_count // minimum
    return multiple & (multiple - 1) == 0
