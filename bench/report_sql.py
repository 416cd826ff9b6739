"""Print, as JSON, the statement the service sends to record each benchmark error report.

`python -m bench.report_sql --distinct N` runs in the bench stack's environment (its
DATABASE_URL), validates each of `bench.payloads.error_bodies(distinct=N)` and builds the exact
statement `errors.ingest` executes for it, with its parameters bound. bench/load.py's
`statement` scenario replays these straight from psycopg: the raw baseline of error ingest,
PostgreSQL doing the same writes without HTTP, Django or Python validation in front of it.
"""

import argparse
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402

from bench.internals import (  # noqa: E402
    error_report_input,
    error_report_statement,
    error_report_values,
    report_payload,
)
from bench.payloads import error_bodies  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distinct", type=int, required=True)
    options = parser.parse_args()
    statements = []
    with connection.cursor() as cursor:
        for body in error_bodies(distinct=options.distinct):
            group_values, occurrence_values, hour = error_report_values(
                report=error_report_input(report_payload(json.loads(body))), request_user_agent=""
            )
            sql, params = error_report_statement(
                group_values=group_values, occurrence_values=occurrence_values, hour=hour
            )
            statements.append(cursor.cursor.mogrify(sql, params))
    print(json.dumps(statements))


if __name__ == "__main__":
    main()
