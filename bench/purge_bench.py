"""Measure purging expired telemetry on PostgreSQL while ingestion keeps running.

Creates a throwaway database, loads ROWS expired events (INSERT … SELECT generate_series) and
some fresh ones, measures batch-ingest latency (100 events per call of the ingest service, as
POST /api/telemetry/batch does), then runs `manage.py purge_expired` in a separate process and
measures ingest latency again while it runs. Prints purge time, ingest p50/p99 before and
during, and the table size and dead rows left behind. Drops the database unless --keep.

    .venv/bin/python bench/purge_bench.py --rows 1000000
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Expired events to load.")
    parser.add_argument("--fresh", type=int, default=20_000, help="Recent events that stay.")
    parser.add_argument("--batch-size", type=int, default=5000, help="purge_expired batch size.")
    parser.add_argument("--baseline-seconds", type=float, default=15.0)
    parser.add_argument("--database", default="wt_ops_bench")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    options = parser.parse_args()

    database_url = f"{SERVER}/{options.database}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{options.database}"')
        admin.execute(f'CREATE DATABASE "{options.database}"')
    try:
        results = run(options, database_url)
    finally:
        if not options.keep:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')
    print(json.dumps(results, indent=2))


def run(options, database_url: str) -> dict:
    """Load the expired and fresh events, time ingest alone and during purge_expired; return
    the figures."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.internals import NewEvent, event_batch_record
    from projects.models import DEFAULT_PROJECT_ID

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    load(connection, rows=options.rows, fresh=options.fresh)
    load_seconds = time.monotonic() - started
    size_before = table_size(connection)

    events = [
        NewEvent(type="page_view", page=f"/bench/{i}", session_id=f"b{i % 7}", metadata={"i": i})
        for i in range(100)
    ]

    def ingest_once() -> float:
        began = time.perf_counter()
        event_batch_record(events=events, request_user_agent="bench", project_id=DEFAULT_PROJECT_ID)
        return (time.perf_counter() - began) * 1000

    baseline = []
    deadline = time.monotonic() + options.baseline_seconds
    while time.monotonic() < deadline:
        baseline.append(ingest_once())
    purge, purge_seconds, during = purge_while(ingest_once, options, database_url)

    return {
        "rowsExpired": options.rows,
        "rowsFresh": options.fresh,
        "batchSize": options.batch_size,
        "loadSeconds": round(load_seconds, 1),
        "purgeExitCode": purge["returncode"],
        "purgeSeconds": round(purge_seconds, 1),
        "purgeRowsPerSecond": round(options.rows / purge_seconds),
        "purgeOutputTail": [line.rstrip() for line in purge["output"][-3:]],
        "ingestBefore": latency_summary(baseline),
        "ingestDuringPurge": latency_summary(during),
        "tableMBBefore": size_before,
        **table_after_purge(connection),
    }


def table_after_purge(connection) -> dict:
    """Return the table's size after the purge and after a VACUUM, and its live and dead rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "WHERE relname = 'telemetry_telemetryevent'"
        )
        live, dead = cursor.fetchone()
    size_after_purge = table_size(connection)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM telemetry_telemetryevent")
    return {
        "tableMBAfterPurge": size_after_purge,
        "tableMBAfterVacuum": table_size(connection),
        "liveRowsAfter": live,
        "deadRowsAfterPurge": dead,
    }


def load(connection, *, rows: int, fresh: int) -> None:
    """Insert `rows` events 60 days old and `fresh` ones of the last seconds; VACUUM ANALYZE."""
    columns = (
        "project_id, type, page, action, user_agent, platform, session_id, user_id, anonymous_id, "
        "device_type, region, metadata, duration, created_at"
    )
    values = (
        "1, (ARRAY['page_view','action','api_call'])[1 + g %% 3], '/flow/' || (g %% 50), '', "
        "'Mozilla/5.0', 'Linux', 's' || (g %% 20000), '', '', 'desktop', '', "
        '\'{"referrer": "/home"}\'::jsonb, g %% 900'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO telemetry_telemetryevent ({columns}) SELECT {values}, "
            "now() - interval '60 days' + g * interval '2 seconds' "
            "FROM generate_series(1, %s) g",
            [rows],
        )
        cursor.execute(
            f"INSERT INTO telemetry_telemetryevent ({columns}) SELECT {values}, "
            "now() - g * interval '1 second' FROM generate_series(1, %s) g",
            [fresh],
        )
        cursor.execute("VACUUM ANALYZE telemetry_telemetryevent")


def purge_while(ingest_once, options, database_url: str) -> tuple[dict, float, list[float]]:
    """Run `manage.py purge_expired` in its own process, calling `ingest_once` until it ends;
    return its exit code and output, its seconds, and the ingest latencies meanwhile."""
    env = {**os.environ, "DATABASE_URL": database_url}
    purge_started = time.monotonic()
    purge = subprocess.Popen(
        [sys.executable, "manage.py", "purge_expired", "--batch-size", str(options.batch_size)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    purge_output: list[str] = []
    reader = threading.Thread(target=lambda: purge_output.extend(purge.stdout), daemon=True)
    reader.start()
    during = []
    while purge.poll() is None:
        during.append(ingest_once())
    purge_seconds = time.monotonic() - purge_started
    reader.join()
    return {"returncode": purge.returncode, "output": purge_output}, purge_seconds, during


def table_size(connection) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('telemetry_telemetryevent')")
        return round(cursor.fetchone()[0] / 1024 / 1024, 1)


def latency_summary(samples: list[float]) -> dict:
    """Return the count, p50, p99, worst and mean of ingest latencies (ms)."""
    from bench.measure import percentile

    if not samples:
        return {"batches": 0}
    return {
        "batches": len(samples),
        "p50Ms": round(percentile(samples, 0.50), 1),
        "p99Ms": round(percentile(samples, 0.99), 1),
        "maxMs": round(max(samples), 1),
        "meanMs": round(statistics.fmean(samples), 1),
    }


if __name__ == "__main__":
    main()
