"""Measure the server time of every staff dashboard page on the configured database.

    DATABASE_URL=postgres://… .venv/bin/python bench/admin_pages.py [--fill-errors 100000]

`--fill-errors N` first adds N error groups with ten occurrences and a day of hourly counts
each, in set-based SQL (PostgreSQL only), on top of whatever `manage.py seed_demo` loaded.
Each page is requested through the Django test client as a staff user; the median and the
worst of `--repeat` runs are printed in milliseconds.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.internals import ErrorLog  # noqa: E402

FILL_SQL = """
INSERT INTO errors_errorlog (project_id, fingerprint, error_type, message, stack, page,
    user_agent, user_id, session_id, build_id, environment, severity, frequency, users_affected,
    first_seen, last_seen, status, resolved, resolved_in_build, metadata)
SELECT 1, md5('bench' || n), 'BenchError' || (n % 40), 'Bench failure number ' || n,
    'Error\n    at bench (bench.js:' || n || ':1)', '/bench/' || (n % 50), '', '', '',
    'build-' || (n % 20), (ARRAY['production','staging'])[1 + n % 2],
    (ARRAY['critical','error','warning','info'])[1 + n % 4], 1 + (n * 7919) % 5000, n % 30,
    now() - (n % 2000) * interval '1 hour', now() - (n % 500) * interval '1 minute',
    (ARRAY['new','acknowledged','ignored','regressed'])[1 + n % 4], false, '', NULL
FROM generate_series(1, {groups}) AS n;
INSERT INTO errors_erroroccurrence (error_id, message, severity, page, user_agent, user_id,
    session_id, build_id, environment, metadata, created_at)
SELECT e.id, e.message, e.severity, e.page, '', '', '', e.build_id, e.environment, NULL,
    e.last_seen - k * interval '7 minutes'
FROM errors_errorlog e CROSS JOIN generate_series(0, 9) AS k;
INSERT INTO errors_errorhourlycount (error_id, hour, count)
SELECT e.id, date_trunc('hour', now()) - h * interval '1 hour', 1 + (e.id + h) % 9
FROM errors_errorlog e CROSS JOIN generate_series(0, 23) AS h
ON CONFLICT DO NOTHING;
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill-errors", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    if args.fill_errors:
        if connection.vendor != "postgresql":
            parser.error("--fill-errors needs PostgreSQL")
        with connection.cursor() as cursor:
            cursor.execute(FILL_SQL.format(groups=int(args.fill_errors)))
            cursor.execute("ANALYZE")

    user, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    one_error = ErrorLog.objects.order_by("-frequency").values_list("pk", flat=True).first()
    pages = [
        "/admin/",
        "/admin/errors/",
        "/admin/errors/?sort=severity",
        "/admin/errors/?status=all&sort=lastSeen&page=200",
        "/admin/errors/?q=failure+number+4242",
        *([f"/admin/errors/{one_error}/"] if one_error else []),
        "/admin/metrics/",
        "/admin/metrics/data.json?window=24h",
        "/admin/metrics/data.json?window=7d",
        "/admin/metrics/data.json?window=90d",
        "/admin/health/",
        "/admin/errors/errorlog/",
        "/admin/telemetry/telemetryevent/",
        "/admin/feedback/feedbacksubmission/",
    ]
    print(f"{connection.vendor}, {ErrorLog.objects.count()} error groups")
    print(f"{'page':55} {'median ms':>10} {'worst ms':>9} {'queries':>8}")
    for url in pages:
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{url:55} {statistics.median(timings):10.1f} {max(timings):9.1f} {len(queries):8}")


if __name__ == "__main__":
    main()
