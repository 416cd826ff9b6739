"""Print, as JSON, the per-report statement of error ingest for each benchmark report: the raw
baseline of section 2.

`python -m bench.report_sql --distinct N` runs in the bench stack's environment (its
DATABASE_URL), validates and scrubs each of `bench.payloads.error_bodies(distinct=N)` as the
service does, and builds, with its parameters bound, the one statement that records a report
synchronously: upsert the group row (frequency + 1, last seen, highest severity, latest context,
resolved → regressed), append the occurrence, bump the hourly count and add the affected user.
That is what the service ran for every report before the digest (errors/digest.py) took the
counters off the request path, and what any tracker that counts on write runs. bench/load.py's
`statement` scenario replays these straight from psycopg: PostgreSQL doing a report's writes
without HTTP, Django or Python validation in front of it.
"""

import argparse
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402

from bench.internals import (  # noqa: E402
    SEVERITY_RANK,
    ErrorAffectedUser,
    ErrorHourlyCount,
    ErrorLog,
    ErrorOccurrence,
    ErrorStatus,
    error_report_input,
    error_report_values,
    report_payload,
)
from bench.payloads import error_bodies  # noqa: E402

# Carries "this statement added an affected user" from the first statement to the second.
_AFFECTED_USER_SETTING = "bench.affected_user_added"


def _severity_rank_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in SEVERITY_RANK.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def _columns(model) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def report_statement_sql() -> str:
    """Return the text of the per-report statement: one query string, two statements.

    The data-modifying CTEs all read the group row the upsert returns. PostgreSQL cannot change
    that row twice in one statement, so a newly affected user is counted by a second statement
    in the same simple query (one implicit transaction), told by a transaction-local setting.
    """
    quote = connection.ops.quote_name
    group, occurrence = quote(ErrorLog._meta.db_table), quote(ErrorOccurrence._meta.db_table)
    hourly, users = quote(ErrorHourlyCount._meta.db_table), quote(ErrorAffectedUser._meta.db_table)
    group_columns = [field.column for field in _columns(ErrorLog)]
    occurrence_columns = [f.column for f in _columns(ErrorOccurrence) if f.column != "error_id"]
    regress = (
        f"({group}.status = '{ErrorStatus.RESOLVED}' AND ({group}.resolved_in_build = '' "
        f"OR {group}.resolved_in_build <> excluded.build_id))"
    )
    latest = ["page", "user_agent", "user_id", "session_id", "build_id", "environment", "metadata"]
    updates = [f"{column} = excluded.{column}" for column in latest] + [
        f"frequency = {group}.frequency + 1",
        "last_seen = excluded.last_seen",
        f"severity = CASE WHEN {_severity_rank_sql('excluded.severity')} > "
        f"{_severity_rank_sql(f'{group}.severity')} THEN excluded.severity "
        f"ELSE {group}.severity END",
        f"status = CASE WHEN {regress} THEN '{ErrorStatus.REGRESSED}' ELSE {group}.status END",
        f"resolved = CASE WHEN {regress} THEN FALSE ELSE {group}.resolved END",
        f"regressed_at = CASE WHEN {regress} THEN excluded.last_seen ELSE {group}.regressed_at END",
    ]
    upsert = (
        f"INSERT INTO {group} ({', '.join(group_columns)}) "
        f"VALUES ({', '.join(['%s'] * len(group_columns))}) "
        f"ON CONFLICT (project_id, fingerprint) DO UPDATE SET {', '.join(updates)} RETURNING id"
    )
    return (
        f"WITH g AS ({upsert}), "
        f"o AS (INSERT INTO {occurrence} (error_id, {', '.join(occurrence_columns)}) "
        f"SELECT g.id, {', '.join(['%s'] * len(occurrence_columns))} FROM g), "
        f"h AS (INSERT INTO {hourly} (error_id, hour, count) SELECT g.id, %s, 1 FROM g "
        f"ON CONFLICT (error_id, hour) DO UPDATE SET count = {hourly}.count + 1), "
        f"u AS (INSERT INTO {users} (error_id, user_id, first_seen) "
        f"SELECT g.id, %s, %s FROM g WHERE %s <> '' "
        f"ON CONFLICT (error_id, user_id) DO NOTHING RETURNING error_id) "
        f"SELECT g.id, set_config('{_AFFECTED_USER_SETTING}', "
        f"coalesce((SELECT error_id::text FROM u), ''), true) FROM g; "
        f"UPDATE {group} SET users_affected = users_affected + 1 "
        f"WHERE id = nullif(current_setting('{_AFFECTED_USER_SETTING}'), '')::bigint"
    )


def report_statement_params(*, group_values: dict, occurrence_values: dict) -> list:
    """Return the parameters of the per-report statement for one scrubbed report."""
    now = occurrence_values["created_at"]
    group = ErrorLog(**group_values, frequency=1)
    occurrence = ErrorOccurrence(**occurrence_values)
    return [
        *(f.get_db_prep_save(getattr(group, f.attname), connection) for f in _columns(ErrorLog)),
        *(
            f.get_db_prep_save(getattr(occurrence, f.attname), connection)
            for f in _columns(ErrorOccurrence)
            if f.column != "error_id"
        ),
        now.replace(minute=0, second=0, microsecond=0),
        occurrence_values["user_id"],
        now,
        occurrence_values["user_id"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distinct", type=int, required=True)
    options = parser.parse_args()
    sql = report_statement_sql()
    statements = []
    with connection.cursor() as cursor:
        for body in error_bodies(distinct=options.distinct):
            group_values, occurrence_values = error_report_values(
                report=error_report_input(report_payload(json.loads(body))), request_user_agent=""
            )
            params = report_statement_params(
                group_values=group_values, occurrence_values=occurrence_values
            )
            statements.append(cursor.cursor.mogrify(sql, params))
    print(json.dumps(statements))


if __name__ == "__main__":
    main()
