"""The test suite's settings: the project's, on PostgreSQL wherever it is reachable.

With no DATABASE_URL, the tests use PostgreSQL on its default local address (127.0.0.1:5432,
user PGUSER or postgres, database test_telemetry) when it accepts a connection, so the COPY
ingest and the raw-SQL error path run on a laptop as they do in CI. TEST_DATABASE=sqlite runs
them on the embedded SQLite default instead, whatever DATABASE_URL says.
"""

import os
import socket
from pathlib import Path

LOCAL_POSTGRES = ("127.0.0.1", 5432)


def _local_postgres_listening() -> bool:
    try:
        with socket.create_connection(LOCAL_POSTGRES, timeout=0.5):
            return True
    except OSError:
        return False


if os.environ.get("TEST_DATABASE", "").lower() == "sqlite":
    # Decided once: the servers and workers the tests start take the DATABASE_URL they are
    # given, and the project's SQLite default otherwise.
    del os.environ["TEST_DATABASE"]
    project = Path(__file__).resolve().parent.parent
    os.environ["DATABASE_URL"] = f"sqlite:///{project / 'db.sqlite3'}"
    TEST_DATABASE_REASON = "TEST_DATABASE=sqlite"
elif "DATABASE_URL" in os.environ:
    TEST_DATABASE_REASON = "DATABASE_URL"
elif _local_postgres_listening():
    # Set in the environment, not only here, so the servers and workers the tests start use it.
    os.environ["DATABASE_URL"] = (
        f"postgres://{os.environ.get('PGUSER', 'postgres')}@{LOCAL_POSTGRES[0]}:"
        f"{LOCAL_POSTGRES[1]}/telemetry"
    )
    TEST_DATABASE_REASON = "found on its default local address; TEST_DATABASE=sqlite for SQLite"
else:
    TEST_DATABASE_REASON = "no DATABASE_URL and no PostgreSQL on 127.0.0.1:5432"

from config.settings import *  # noqa: E402, F403
