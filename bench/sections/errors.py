"""Section 2, error ingest: an empty API view for the web tier's own cost; error reports and
Sentry envelopes over HTTP, each measured until the digest has counted every accepted report,
against the raw baseline of the per-report statement straight to PostgreSQL
(bench/report_sql.py); and the crash test: a Celery worker killed inside a digest's batch."""

import os
import subprocess
import tempfile
import time

from bench.crash import digest_worker_kill
from bench.measure import latency_summary, run_load, run_load_with_cpu
from bench.payloads import sentry_envelope_template
from bench.report import Target, cpu_text, exact, spread_text
from bench.stack import BIN, ROOT, Stack, log

# Counters that have not moved for this long, with nothing left to count, have settled.
SETTLED_AFTER_SECONDS = 1.0
SETTLE_TIMEOUT_SECONDS = 120.0


def errors_section(stack: Stack, *, smoke: bool) -> dict:
    """Measure the empty view, error ingest over 10 distinct errors (smoke) or 1, 10 and 1,000,
    Sentry envelopes and the crash test; return the section's results."""
    log("section 2: error ingest, fully processed, vs the raw per-report statement")
    clients, seconds = (10, 2.0) if smoke else (50, 10.0)
    empty_view = empty_view_cost(stack, clients=clients, seconds=seconds)
    return {
        "emptyApiView": empty_view,
        "errorIngest": error_ingest(
            stack,
            clients=clients,
            seconds=seconds,
            distinct_counts=(10,) if smoke else (1, 10, 1000),
            empty_view=empty_view,
        ),
        "envelopeIngest": envelope_ingest(stack, clients=clients, seconds=seconds),
        "digestCrash": digest_crash(stack, clients=clients, seconds=max(seconds, 4.0)),
    }


def empty_view_cost(stack: Stack, *, clients: int, seconds: float) -> dict:
    """Load GET /api/health, an API view that does nothing: what any request costs the web
    tier (gunicorn, Django, DRF) before the view's own work."""
    requests, cpu = run_load_with_cpu(
        stack, clients=clients, seconds=seconds, extra=("--scenario", "health")
    )
    return {**latency_summary(requests), "cpuMsPerRequest": cpu}


def error_ingest(
    stack: Stack, *, clients: int, seconds: float, distinct_counts, empty_view: dict
) -> dict:
    """Error reports over HTTP against the raw per-report statement, per number of distinct
    errors: accepted and fully processed rates, latency, exact counts, deadlocks, and where
    each report's CPU goes, with the ceiling this machine puts on the ratio (the rate if the
    web tier cost no more than an empty view while the rest did what it did)."""
    results = {}
    for distinct in distinct_counts:
        _truncate_errors(stack)
        before = _deadlocks(stack)
        requests, cpu = run_load_with_cpu(
            stack,
            clients=clients,
            seconds=seconds,
            extra=("--scenario", "errors", "--distinct", str(distinct)),
        )
        processed = fully_processed(stack, requests)
        statement = _raw_statement_rate(stack, clients=clients, seconds=seconds, distinct=distinct)
        results[str(distinct)] = {
            **latency_summary(requests),
            **processed,
            "countsExact": processed["countsExact"] and 0 < processed["groups"] <= distinct,
            "deadlocks": _deadlocks(stack) - before,
            "rawStatementsPerSecond": statement["perSecond"],
            "rawStatementP99Ms": statement["p99Ms"],
            "rawStatementCountsExact": statement["countsExact"],
            "ratioToRawStatement": _ratio(processed["processedPerSecond"], statement["perSecond"]),
            "cpuMsPerReport": cpu,
            "rawStatementCpuMsPerReport": statement["cpuMsPerRequest"],
            "ratioCeiling": _ratio(_ceiling_rate(cpu, empty_view), statement["perSecond"]),
        }
        log(f"  {distinct} distinct: {results[str(distinct)]}")
    return results


def envelope_ingest(stack: Stack, *, clients: int, seconds: float) -> dict:
    """Sentry envelopes over HTTP: a real sentry_sdk event of ~25 KB with a 20-frame stack,
    each with its own event ID, to one client key's envelope endpoint."""
    _truncate_errors(stack)
    public_key, project = _client_key(stack)
    body = sentry_envelope_template(dsn=f"http://{public_key}@127.0.0.1/{project}")
    with tempfile.NamedTemporaryFile(suffix=".envelope") as envelope:
        envelope.write(body)
        envelope.flush()
        requests, cpu = run_load_with_cpu(
            stack,
            clients=clients,
            seconds=seconds,
            extra=(
                *("--scenario", "envelopes", "--envelope", envelope.name),
                *("--path", f"/api/{project}/envelope/?sentry_key={public_key}"),
            ),
        )
    result = {
        **latency_summary(requests),
        **fully_processed(stack, requests),
        "envelopeBytes": len(body),
        "cpuMsPerEnvelope": cpu,
    }
    log(f"  envelopes: {result}")
    return result


def digest_crash(stack: Stack, *, clients: int, seconds: float) -> dict:
    """Report 10 distinct errors under load and kill -9 a Celery worker's pool process while
    its digest holds a batch's transaction open; return whether it was caught inside one and
    whether, once the worker is back, every accepted report is counted exactly once."""
    _truncate_errors(stack)
    # Killed in the first half of the load, so the worker is back while reports still come.
    killer = digest_worker_kill(stack, give_up_after=seconds / 2)
    requests = run_load(
        stack, clients=clients, seconds=seconds, extra=("--scenario", "errors", "--distinct", "10")
    )
    killed = killer.result()
    result = {
        **latency_summary(requests),
        **fully_processed(stack, requests),
        **killed,
    }
    log(f"  digest crash: {result}")
    return result


def fully_processed(stack: Stack, requests: list) -> dict:
    """Wait until the digest has counted what `requests` stored (nothing pending, counters
    still for SETTLED_AFTER_SECONDS); return the accepted count, the groups, whether stored
    frequencies, hourly counts and occurrences all equal it, and the fully processed rate:
    reports counted per second from the first request until the counters stopped moving."""
    accepted = sum(row[3] for row in requests if 200 <= row[2] < 300)
    started = min((row[0] for row in requests), default=time.time())
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    last, last_moved = None, time.time()
    with stack.connect() as connection:
        while time.monotonic() < deadline:
            figures = connection.execute(
                # The load's reports are the default project's (1); a worker killed on purpose
                # is an error of the service's own project, `self`, and is not counted here.
                "SELECT (SELECT coalesce(sum(frequency), 0) FROM errors_errorlog "
                "WHERE project_id = 1), "
                "(SELECT count(*) FROM errors_errorlog WHERE project_id = 1), "
                "(SELECT count(*) FROM errors_pendingoccurrence)"
            ).fetchone()
            if figures != last:
                last, last_moved = figures, time.time()
            elif figures[2] == 0 and time.time() - last_moved >= SETTLED_AFTER_SECONDS:
                break
            time.sleep(0.05)
        frequencies, groups, pending = last
        hourly, occurrences = connection.execute(
            "SELECT (SELECT coalesce(sum(h.count), 0) FROM errors_errorhourlycount h "
            "JOIN errors_errorlog e ON e.id = h.error_id WHERE e.project_id = 1), "
            "(SELECT count(*) FROM errors_erroroccurrence o "
            "JOIN errors_errorlog e ON e.id = o.error_id WHERE e.project_id = 1)"
        ).fetchone()
    seconds = max(last_moved - started, 1e-9)
    return {
        "accepted": accepted,
        "acceptedPerSecond": latency_summary(requests)["perSecond"],
        "processedPerSecond": round(int(frequencies) / seconds),
        "settledSecondsAfterLoad": round(
            last_moved - max((row[0] + row[1] for row in requests), default=started), 2
        ),
        "storedFrequencySum": int(frequencies),
        "pendingLeft": pending,
        "groups": groups,
        "countsExact": int(frequencies) == int(hourly) == occurrences == accepted and not pending,
    }


def _client_key(stack: Stack) -> tuple[str, int]:
    """Return the public key and project of a client key `manage.py dsn` creates."""
    dsn = subprocess.run(
        [BIN / "python", "manage.py", "dsn", "--name", "bench"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    public_key = dsn.split("//", 1)[1].split("@", 1)[0]
    return public_key, int(dsn.rsplit("/", 1)[1])


def _ceiling_rate(cpu: dict, empty_view: dict) -> float:
    """Return the reports/s the machine's cores allow if the web tier's CPU per report were
    an empty view's and the rest (PostgreSQL, Redis, load generator...) stayed as measured."""
    web = empty_view["cpuMsPerRequest"].get("web", 0.0)
    total = web + sum(ms for group, ms in cpu.items() if group != "web")
    return (os.cpu_count() or 1) * 1000 / total if total else 0.0


def _ratio(rate: float, baseline: float) -> float:
    return round(rate / baseline, 3) if baseline else 0.0


def _truncate_errors(stack: Stack) -> None:
    """Empty the error tables."""
    with stack.connect() as connection:
        connection.execute("TRUNCATE errors_errorlog CASCADE")


def _deadlocks(stack: Stack) -> int:
    """Return how many deadlocks the stack's database has seen so far."""
    with stack.connect() as connection:
        return connection.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


def _raw_statement_rate(stack: Stack, *, clients: int, seconds: float, distinct: int) -> dict:
    """Replay, from the same number of clients, the per-report statement for each report;
    return its latency summary, CPU per statement and whether its frequencies add up."""
    statements = subprocess.run(
        [BIN / "python", "-m", "bench.report_sql", "--distinct", str(distinct)],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    _truncate_errors(stack)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as listing:
        listing.write(statements)
        listing.flush()
        raw, cpu = run_load_with_cpu(
            stack,
            clients=clients,
            seconds=seconds,
            extra=(
                *("--scenario", "statement", "--statements", listing.name),
                *("--database-url", stack.database_url),
            ),
        )
    with stack.connect() as connection:
        (frequencies,) = connection.execute(
            "SELECT coalesce(sum(frequency), 0) FROM errors_errorlog WHERE project_id = 1"
        ).fetchone()
    _truncate_errors(stack)
    return {
        **latency_summary(raw),
        "countsExact": int(frequencies) == sum(row[3] for row in raw),
        "cpuMsPerRequest": cpu,
    }


def targets(results: dict) -> list[Target]:
    """Return section 2's targets: per number of distinct errors, then envelopes and the crash."""
    rows = []
    for distinct, run in results["errorIngest"].items():
        rows += [
            Target(
                f"errors x{distinct} processed / raw",
                run["ratioToRawStatement"],
                ">=",
                2.0 if distinct == "1" else 0.8,
            ),
            Target(f"errors x{distinct} p99 (ms)", run["p99Ms"], "<=", 100),
            exact(f"errors x{distinct} exact counts", run["countsExact"], True),
            exact(f"errors x{distinct} raw baseline exact", run["rawStatementCountsExact"], True),
            exact(f"errors x{distinct} deadlocks", run["deadlocks"], 0),
            exact(f"errors x{distinct} non-2xx", run["non2xx"], 0),
        ]
    envelopes, crash = results["envelopeIngest"], results["digestCrash"]
    return [
        *rows,
        exact("envelopes exact counts", envelopes["countsExact"], True),
        exact("envelopes non-2xx", envelopes["non2xx"], 0),
        exact("digest killed inside a batch", crash["killedInsideBatch"], True),
        exact("digest crash: counted exactly once", crash["countsExact"], True),
        exact("digest crash: non-2xx", crash["non2xx"], 0),
    ]


def lines(results: dict) -> list[str]:
    """Return the report's lines on error ingest, envelopes and the crash test."""
    rows = []
    for distinct, run in results["errorIngest"].items():
        rows += [
            f"2. error ingest, {distinct} distinct: fully processed {run['processedPerSecond']} "
            f"reports/s (accepted {run['acceptedPerSecond']}/s, settled "
            f"{run['settledSecondsAfterLoad']} s after the load), p50 {run['p50Ms']} ms, "
            f"p99 {run['p99Ms']} ms",
            f"   accepted {run['accepted']}, stored frequencies {run['storedFrequencySum']}, "
            f"groups {run['groups']}, deadlocks {run['deadlocks']}; {spread_text(run)}",
            f"   raw per-report statement {run['rawStatementsPerSecond']}/s (p99 "
            f"{run['rawStatementP99Ms']} ms): ratio {run['ratioToRawStatement']}",
            f"   CPU ms per report: {cpu_text(run['cpuMsPerReport'])}; raw statement: "
            f"{cpu_text(run['rawStatementCpuMsPerReport'])}; ratio ceiling with the web "
            f"tier at an empty view's cost: {run['ratioCeiling']}",
        ]
    envelopes, crash = results["envelopeIngest"], results["digestCrash"]
    return [
        *rows,
        f"2. Sentry envelopes ({envelopes['envelopeBytes']} bytes, 20 frames): fully processed "
        f"{envelopes['processedPerSecond']}/s (accepted {envelopes['acceptedPerSecond']}/s), "
        f"p50 {envelopes['p50Ms']} ms, p99 {envelopes['p99Ms']} ms, accepted "
        f"{envelopes['accepted']}, counted {envelopes['storedFrequencySum']}",
        f"   CPU ms per envelope: {cpu_text(envelopes['cpuMsPerEnvelope'])}",
        f"2. digest crash: a Celery worker killed -9 {crash['killText']}; accepted "
        f"{crash['accepted']}, counted {crash['storedFrequencySum']} after it restarted "
        f"(pending left {crash['pendingLeft']})",
    ]


def empty_view_lines(results: dict) -> list[str]:
    """Return the report's line on the empty API view."""
    empty = results["emptyApiView"]
    return [
        f"   empty API view (GET /api/health): {empty['perSecond']} requests/s, CPU ms per "
        f"request: {cpu_text(empty['cpuMsPerRequest'])}"
    ]
