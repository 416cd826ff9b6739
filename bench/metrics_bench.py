"""Benchmark the metrics on PostgreSQL: load N events over 30 days, roll them up, time the API.

    .venv/bin/python bench/metrics_bench.py --events 10000000
        [--database-url postgres://postgres@127.0.0.1:5432/wt_metrics_bench] [--keep]

It creates (and afterwards drops, unless --keep) its own database, loads the events in SQL
(INSERT … SELECT generate_series, about 17 k sessions a day of ~20 events each), runs the first
roll-up over the whole month, then a scheduled run, and times GET /api/telemetry warm. It
prints one JSON document with the figures.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

LOAD_SQL = """
INSERT INTO telemetry_telemetryevent
    (project_id, type, page, action, duration, user_agent, platform, session_id, user_id,
     anonymous_id, device_type, region, created_at)
SELECT
    1,
    kind.type,
    CASE WHEN kind.type = 'api_call'
         THEN (ARRAY['/api/projects', '/api/projects/[id]', '/api/search', '/api/profile',
                     '/api/auth'])[1 + (i %% 5)]
         ELSE (ARRAY['/', '/flow', '/profile', '/settings', '/pricing', '/docs',
                     '/projects/[id]', '/search'])[1 + (i %% 8)] END,
    '',
    CASE kind.type
        WHEN 'api_call' THEN (exp(4.4 + 0.6 * sqrt(-2 * ln(1 - random()))
                                       * cos(2 * pi() * random())))::int
        WHEN 'page_view' THEN 200 + (random() * 2800)::int
        WHEN 'session_end' THEN 10000 + (random() * 890000)::int
    END,
    '', '',
    'sess-' || (i * %(days)s / %(total)s) || '-' || ((i * 7919) %% %(sessions)s),
    -- Three sessions in five belong to a signed-in user (about 10 k a day at 10 M a month).
    CASE WHEN (i * 7919) %% %(sessions)s %% 5 < 3
         THEN 'user-' || ((i * %(days)s / %(total)s * 131 + (i * 7919) %% %(sessions)s) %% 50000)
         ELSE '' END,
    '',
    (ARRAY['desktop', 'desktop', 'desktop', 'mobile', 'mobile', 'tablet'])[1 + (i %% 6)],
    '',
    %(start)s::timestamptz + (i::float8 / %(total)s) * %(span)s * interval '1 second'
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i,
LATERAL (SELECT CASE
    WHEN r < 0.45 THEN 'page_view' WHEN r < 0.70 THEN 'api_call' WHEN r < 0.90 THEN 'action'
    WHEN r < 0.95 THEN 'session_start' WHEN r < 0.99 THEN 'session_end' ELSE 'error' END AS type
    FROM (SELECT random() + i * 0 AS r) AS roll) AS kind
"""

# Events per INSERT statement of load_events.
LOAD_CHUNK = 1_000_000


def load_events(cursor, *, events: int, days: int, now: datetime) -> None:
    """Insert `events` events (LOAD_SQL, about 20 per session) stamped evenly from `days` days
    less two hours before `now` to a minute before it, a million per statement; then VACUUM
    ANALYZE the table. `cursor` is a Django or psycopg cursor in autocommit mode."""
    # The first hour past retention is never rolled up (its raw events may be half purged).
    span = days * 86_400 - 2 * 3_600
    start = now - timedelta(seconds=span + 60)
    sessions_per_day = max(1, events // days // 20)
    for first in range(0, events, LOAD_CHUNK):
        cursor.execute(
            LOAD_SQL,
            {
                "first": first,
                "last": min(events, first + LOAD_CHUNK) - 1,
                "total": events,
                "days": days,
                "sessions": sessions_per_day,
                "start": start,
                "span": span,
            },
        )
    cursor.execute("VACUUM ANALYZE telemetry_telemetryevent")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wt_metrics_bench"
    )
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per query.")
    parser.add_argument(
        "--burst", type=int, default=300_000, help="Events for the scheduled run to add."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()

    os.environ.update(DATABASE_URL=args.database_url, DEBUG="false")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))

    import psycopg

    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    name = urlsplit(args.database_url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        figures = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    print(json.dumps(figures, indent=2))


def run(args) -> dict:
    """Load, roll up and query the events of `args`; return the figures."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.internals import telemetry_rollup, telemetry_rollup_task

    call_command("migrate", verbosity=0)
    figures: dict = {"events": args.events, "days": args.days}

    def load() -> None:
        with connection.cursor() as cursor:
            load_events(cursor, events=args.events, days=args.days, now=timezone.now())

    figures["loadSeconds"] = round(_timed(load)[1], 1)
    result, seconds = _timed(lambda: telemetry_rollup(since=None))
    figures["firstRollup"] = {
        **_rollup_figures(result.events, seconds, digits=1),
        "hourlyRows": result.aggregate_rows,
        "durationRows": result.duration_rows,
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    # A burst arrives after the roll-up (--burst events in the last 5 minutes before the settle
    # delay): the scheduled, incremental run must process them faster than 20 000 events/s.
    with connection.cursor() as cursor:
        cursor.execute(
            LOAD_SQL,
            {
                "first": args.events,
                "last": args.events + args.burst - 1,
                "total": args.burst,
                "days": 1,
                "sessions": max(1, args.burst // 20),
                "start": timezone.now()
                - timedelta(seconds=330)
                - timedelta(seconds=300 * args.events / args.burst),
                "span": 300,
            },
        )
        cursor.execute("ANALYZE telemetry_telemetryevent")
    scheduled_events, seconds = _timed(telemetry_rollup_task)
    figures["scheduledRollup"] = _rollup_figures(scheduled_events, seconds, digits=2)

    # The full recompute of the last day (manage.py aggregate_telemetry --days 1).
    day, seconds = _timed(lambda: telemetry_rollup(since=timezone.now() - timedelta(days=1)))
    figures["lastDayRollup"] = _rollup_figures(day.events, seconds, digits=2)
    figures["api"], figures["answer"] = _api_figures(requests=args.requests)
    return figures


def _timed(function) -> tuple:
    """Call `function`; return what it returned and the seconds it took."""
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def _rollup_figures(events: int, seconds: float, *, digits: int) -> dict:
    """Return a roll-up's events, seconds (rounded to `digits`) and events per second."""
    return {
        "events": events,
        "seconds": round(seconds, digits),
        "eventsPerSecond": round(events / seconds),
    }


def _api_figures(*, requests: int) -> tuple[dict, dict]:
    """Time GET /api/telemetry as a staff user, warm, for each query; return the p50 and p95
    of each, and the 30-day answer's headline figures."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.measure import percentile

    staff = get_user_model().objects.create_user("bench", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    api = {}
    for query in ("days=30", "days=7", "days=30&type=api_call", "days=1"):
        url = f"/api/telemetry?{query}"
        for _ in range(3):
            assert client.get(url).status_code == 200
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        api[query] = {
            "p50Ms": round(statistics.median(timings), 1),
            "p95Ms": round(percentile(timings, 0.95), 1),
        }
    answer = client.get("/api/telemetry?days=30").json()
    headline = {
        key: answer[key] for key in ("totalEvents", "uniqueSessions", "uniqueUsers", "p50", "p95")
    } | {"apiCalls": answer["apiCalls"]}
    return api, headline


if __name__ == "__main__":
    main()
