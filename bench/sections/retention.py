"""Section 4, retention: `manage.py purge_expired` of expired events while batch ingest runs,
and what it does to ingest's p99."""

import json
import subprocess
import tempfile
import time
from pathlib import Path

from bench.measure import latency_summary, load_command, run_load
from bench.report import Target, exact
from bench.sections import EVENT_COLUMNS, EVENT_TABLE
from bench.stack import BIN, ROOT, Stack, log


def retention_under_load(stack: Stack, *, rows: int, clients: int, seconds: float) -> dict:
    """Section 4: purge `rows` expired events while batch ingest runs; compare ingest p99."""
    log("section 4: purge_expired while batch ingest runs")
    log(f"  loading {rows} expired events")
    with stack.connect() as connection:
        connection.execute(
            f"INSERT INTO {EVENT_TABLE} ({EVENT_COLUMNS}) "
            "SELECT 1, 'page_view', '/flow', '', NULL, '{\"referrer\": \"/home\"}'::jsonb, "
            "'Mozilla/5.0 (X11; Linux x86_64)', 'Linux', 's' || (g %% 5000), '', '', 'desktop', "
            "'', NULL, now() - interval '40 days' - g * interval '1 second' "
            "FROM generate_series(1, %s) AS g",
            [rows],
        )
        connection.execute(f"VACUUM ANALYZE {EVENT_TABLE}")
    baseline = latency_summary(run_load(stack, clients=clients, seconds=seconds))
    log(f"  ingest alone: {baseline}")
    with tempfile.TemporaryDirectory() as folder:
        output, stop = f"{folder}/load.json", f"{folder}/stop"
        command = load_command(
            stack, clients=clients, seconds=600, output=output, extra=("--stop-file", stop)
        )
        loader = subprocess.Popen(command, cwd=ROOT)
        time.sleep(1.5)
        started = time.time()
        purge = subprocess.run(
            [BIN / "python", "manage.py", "purge_expired"],
            cwd=ROOT,
            env=stack.env,
            capture_output=True,
            text=True,
            check=False,
        )
        ended = time.time()
        Path(stop).touch()
        loader.wait()
        requests = json.loads(Path(output).read_text())["requests"]
    during = latency_summary([row for row in requests if started <= row[0] <= ended])
    with stack.connect() as connection:
        (left,) = connection.execute(
            f"SELECT count(*) FROM {EVENT_TABLE} WHERE created_at < now() - interval '31 days'"
        ).fetchone()
    return {
        "expiredRows": rows,
        "purgeSeconds": round(ended - started, 1),
        "purgeExitCode": purge.returncode,
        "expiredLeft": left,
        "ingestAlone": baseline,
        "ingestDuringPurge": during,
        "p99Increase": round(during["p99Ms"] / baseline["p99Ms"] - 1, 3)
        if baseline["p99Ms"]
        else 0.0,
    }


def lines(results: dict) -> list[str]:
    """Return the report's line on retention."""
    retention = results["retention"]
    alone, during = retention["ingestAlone"]["p99Ms"], retention["ingestDuringPurge"]["p99Ms"]
    return [
        f"4. retention: purge_expired of {retention['expiredRows']} expired events took "
        f"{retention['purgeSeconds']} s; ingest p99 {alone} ms alone, {during} ms during the "
        f"purge ({retention['p99Increase']:+.0%})"
    ]


def targets(results: dict) -> list[Target]:
    """Return section 4's targets."""
    retention = results["retention"]
    return [
        Target("purge: ingest p99 increase", retention["p99Increase"], "<=", 0.20, decimals=2),
        exact("purge: expired rows left", retention["expiredLeft"], 0),
        exact("purge: ingest non-2xx", retention["ingestDuringPurge"]["non2xx"], 0),
    ]
