"""Section 2, error ingest: an empty API view for the web tier's own cost, then error reports
over HTTP against two raw baselines straight to PostgreSQL: the service's own statement for each
report (bench/report_sql.py) and a bare upsert of the group row."""

import os
import subprocess
import tempfile

from bench.measure import latency_summary, run_load_with_cpu
from bench.report import Target, cpu_text, exact, spread_text
from bench.stack import BIN, ROOT, Stack, log


def errors_section(stack: Stack, *, smoke: bool) -> dict:
    """Measure the empty view, then error ingest over 10 distinct errors (smoke) or 1, 10 and
    1,000; return the section's results."""
    log("section 2: error ingest vs the raw statement and the raw upsert")
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
    """Section 2: error reports over HTTP against two raw baselines, per number of distinct
    errors: the service's own statement for each report, and a bare upsert of the group row.

    Also where each report's CPU goes, and the ceiling this machine puts on the ratio: the
    rate if the web tier cost no more than an empty view while PostgreSQL, Redis and the load
    generator did what they did (all of them share the same cores)."""
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
        with stack.connect() as connection:
            frequencies, groups, template = connection.execute(
                "SELECT coalesce(sum(frequency), 0), count(*), min(id) FROM errors_errorlog"
            ).fetchone()
        accepted = sum(row[3] for row in requests if 200 <= row[2] < 300)
        http = latency_summary(requests)
        # The upsert copies its columns from a group the HTTP run stored: run it first.
        upsert = _raw_upsert_rate(
            stack, clients=clients, seconds=seconds, distinct=distinct, template=template or 0
        )
        statement = _raw_statement_rate(stack, clients=clients, seconds=seconds, distinct=distinct)
        after = _deadlocks(stack)
        results[str(distinct)] = {
            **http,
            "accepted": accepted,
            "storedFrequencySum": int(frequencies),
            "groups": groups,
            # Every accepted report is counted once, in one of at most `distinct` groups.
            "countsExact": int(frequencies) == accepted and 0 < groups <= distinct,
            "deadlocks": after - before,
            "rawStatementsPerSecond": statement["perSecond"],
            "rawStatementP99Ms": statement["p99Ms"],
            "rawStatementCountsExact": statement["countsExact"],
            "ratioToRawStatement": _ratio(http["perSecond"], statement["perSecond"]),
            "cpuMsPerReport": cpu,
            "rawStatementCpuMsPerReport": statement["cpuMsPerRequest"],
            "ratioCeiling": _ratio(_ceiling_rate(cpu, empty_view), statement["perSecond"]),
            "rawUpsertsPerSecond": upsert["perSecond"],
            "rawUpsertP99Ms": upsert["p99Ms"],
            "rawCountsExact": upsert["countsExact"],
            "ratioToRawUpsert": _ratio(http["perSecond"], upsert["perSecond"]),
        }
        log(f"  {distinct} distinct: {results[str(distinct)]}")
    return results


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
    """Replay, from the same number of clients, the statement the service sends per report."""
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
        return _raw_run(
            stack,
            clients=clients,
            seconds=seconds,
            extra=("--scenario", "statement", "--statements", listing.name),
            table="errors_errorlog",
        )


def _raw_upsert_rate(
    stack: Stack, *, clients: int, seconds: float, distinct: int, template: int
) -> dict:
    """Run, from the same number of clients, only the group row's upsert per report, into a
    same-indexed copy of errors_errorlog (`template` is a stored group to copy columns from)."""
    with stack.connect() as connection:
        connection.execute(
            "DROP TABLE IF EXISTS bench_errorlog; "
            "CREATE TABLE bench_errorlog (LIKE errors_errorlog INCLUDING ALL)"
        )
    result = _raw_run(
        stack,
        clients=clients,
        seconds=seconds,
        extra=("--scenario", "upsert", "--distinct", str(distinct), "--template-id", str(template)),
        table="bench_errorlog",
    )
    with stack.connect() as connection:
        connection.execute("DROP TABLE bench_errorlog")
    return result


def _raw_run(stack: Stack, *, clients: int, seconds: float, extra: tuple, table: str) -> dict:
    """Run a raw scenario of bench/load.py straight against the database; return its latency
    summary, its CPU per request, and whether `table`'s frequencies add up to its writes."""
    raw, cpu = run_load_with_cpu(
        stack,
        clients=clients,
        seconds=seconds,
        extra=(*extra, "--database-url", stack.database_url),
    )
    with stack.connect() as connection:
        (frequencies,) = connection.execute(
            f"SELECT coalesce(sum(frequency), 0) FROM {table}"
        ).fetchone()
    return {
        **latency_summary(raw),
        "countsExact": int(frequencies) == sum(row[3] for row in raw),
        "cpuMsPerRequest": cpu,
    }


def targets(results: dict) -> list[Target]:
    """Return section 2's targets, for each number of distinct errors."""
    rows = []
    for distinct, run in results["errorIngest"].items():
        baselines_exact = run["rawStatementCountsExact"] and run["rawCountsExact"]
        rows += [
            Target(f"errors x{distinct} vs raw statement", run["ratioToRawStatement"], ">=", 0.5),
            Target(f"errors x{distinct} p99 (ms)", run["p99Ms"], "<=", 250),
            exact(f"errors x{distinct} exact counts", run["countsExact"], True),
            exact(f"errors x{distinct} raw baseline exact", baselines_exact, True),
            exact(f"errors x{distinct} deadlocks", run["deadlocks"], 0),
            exact(f"errors x{distinct} non-2xx", run["non2xx"], 0),
        ]
    return rows


def lines(results: dict) -> list[str]:
    """Return the report's lines on error ingest, for each number of distinct errors."""
    rows = []
    for distinct, run in results["errorIngest"].items():
        rows += [
            f"2. error ingest, {distinct} distinct: {run['perSecond']} reports/s, "
            f"p50 {run['p50Ms']} ms, p99 {run['p99Ms']} ms, accepted {run['accepted']}, "
            f"stored frequencies {run['storedFrequencySum']}, deadlocks {run['deadlocks']}",
            f"   {spread_text(run)}",
            f"   raw: the service's statement {run['rawStatementsPerSecond']}/s "
            f"(ratio {run['ratioToRawStatement']}, p99 {run['rawStatementP99Ms']} ms); "
            "the group-row upsert alone "
            f"{run['rawUpsertsPerSecond']}/s (ratio {run['ratioToRawUpsert']}, not a target)",
            f"   CPU ms per report: {cpu_text(run['cpuMsPerReport'])}; raw statement: "
            f"{cpu_text(run['rawStatementCpuMsPerReport'])}; ratio ceiling with the web "
            f"tier at an empty view's cost: {run['ratioCeiling']}",
        ]
    return rows


def empty_view_lines(results: dict) -> list[str]:
    """Return the report's line on the empty API view."""
    empty = results["emptyApiView"]
    return [
        f"   empty API view (GET /api/health): {empty['perSecond']} requests/s, CPU ms per "
        f"request: {cpu_text(empty['cpuMsPerRequest'])}"
    ]
