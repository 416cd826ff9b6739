"""The test suite's settings: the project's, on PostgreSQL wherever it is reachable.

With no DATABASE_URL, the tests use PostgreSQL on its default local address (127.0.0.1:5432,
user PGUSER or postgres, database test_telemetry) when it lets that user in, so the COPY
ingest and the raw-SQL error path run on a laptop as they do in CI. TEST_DATABASE=sqlite runs
them on the embedded SQLite default instead, whatever DATABASE_URL says.
"""

import os
from pathlib import Path

import psycopg

LOCAL_POSTGRES = ("127.0.0.1", 5432)
LOCAL_USER = os.environ.get("PGUSER", "postgres")


def _local_postgres_accepts_us() -> bool:
    # A real login, not a bare TCP connect: a server that refuses this user means SQLite.
    try:
        psycopg.connect(
            host=LOCAL_POSTGRES[0],
            port=LOCAL_POSTGRES[1],
            user=LOCAL_USER,
            dbname="postgres",
            connect_timeout=1,
        ).close()
    except psycopg.Error:
        return False
    return True


if os.environ.get("TEST_DATABASE", "").lower() == "sqlite":
    # Decided once: the servers and workers the tests start take the DATABASE_URL they are
    # given, and the project's SQLite default otherwise.
    del os.environ["TEST_DATABASE"]
    project = Path(__file__).resolve().parent.parent
    os.environ["DATABASE_URL"] = f"sqlite:///{project / 'db.sqlite3'}"
    TEST_DATABASE_REASON = "TEST_DATABASE=sqlite"
elif "DATABASE_URL" in os.environ:
    TEST_DATABASE_REASON = "DATABASE_URL"
elif _local_postgres_accepts_us():
    # Set in the environment, not only here, so the servers and workers the tests start use it.
    os.environ["DATABASE_URL"] = (
        f"postgres://{LOCAL_USER}@{LOCAL_POSTGRES[0]}:{LOCAL_POSTGRES[1]}/telemetry"
    )
    TEST_DATABASE_REASON = "found on its default local address; TEST_DATABASE=sqlite for SQLite"
else:
    TEST_DATABASE_REASON = "no DATABASE_URL, and PostgreSQL on 127.0.0.1:5432 did not let us in"

from config.settings import *  # noqa: E402, F403
