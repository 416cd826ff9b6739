"""`make bench` / `make bench-smoke`: load the production stack and compare it with raw PostgreSQL.

Starts, on a fresh PostgreSQL database and the bench's Redis database: four gunicorn masters
of one single-threaded worker (gunicorn.conf.py, four ports, as upstreams behind a load
balancer would be; BENCH_WEB_PROCESSES, WEB_CONCURRENCY and GUNICORN_THREADS change that) and
two Celery workers; loads them from a separate process (bench/load.py); prints a table with
pass/fail per target and writes bench/results.json. Every throughput is a ratio to a raw
baseline measured in the same run, since absolute numbers on a shared machine drift.
docs/performance.md says how to read it. The smoke run is the same with 3 seconds of load and
fewer clients; it fails only on correctness (an error answer, a lost event, a stack that does
not start).
"""

import argparse
import json
import os
import sys
import time

from bench import report
from bench.sections import batch, costs, errors, metrics, retention
from bench.stack import ROOT, Stack, ensure_services

RESULTS = ROOT / "bench" / "results.json"
PARTIAL_RESULTS = ROOT / "bench" / "results-partial.json"
# Section 1 carries memory (5) and the scale-out roll-up check.
SECTIONS = ("batch", "errors", "metrics", "retention")
# The report's lines and the table's targets, in the order they are printed, each with the
# key of the results it needs (a section that did not run has none).
LINES = (
    ("batchIngest", batch.ingest_lines),
    ("validation", costs.validation_lines),
    ("privacy", costs.privacy_lines),
    ("errorIngest", errors.lines),
    ("emptyApiView", errors.empty_view_lines),
    ("metrics", metrics.lines),
    ("retention", retention.lines),
    ("batchIngest", batch.scale_out_lines),
)
TARGETS = {
    "batchIngest": batch.targets,
    "privacy": costs.targets,
    "errorIngest": errors.targets,
    "metrics": metrics.targets,
    "retention": retention.targets,
}


def report_parts(parts, results: dict) -> list:
    """Return what each of `parts` (pairs of a key and a function, LINES or TARGETS.items())
    gives for the results it has, in order."""
    return [item for key, part in parts if key in results for item in part(results)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="A 3-second correctness run.")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        action="append",
        help="Run only this section (repeatable); results go to bench/results-partial.json.",
    )
    options = parser.parse_args()
    sections = set(options.only or SECTIONS)

    ensure_services()
    results: dict = {
        "mode": "smoke" if options.smoke else "full",
        "sections": sorted(sections),
        "cpuCount": os.cpu_count(),
        "loadAverageAtStart": os.getloadavg()[0],
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    results |= sections_run(sections, smoke=options.smoke)
    results["checks"] = report.checks(report_parts(TARGETS.items(), results), smoke=options.smoke)
    output = RESULTS if sections == set(SECTIONS) else PARTIAL_RESULTS
    output.write_text(json.dumps(results, indent=2) + "\n")
    report.report_print(results, section_lines=report_parts(LINES, results), output=output)
    return report.exit_code(results["checks"])


def sections_run(sections: set[str], *, smoke: bool) -> dict:
    """Run the chosen sections in their order on one stack; return their results."""
    clients, seconds = (4, 3.0) if smoke else (16, 20.0)
    results: dict = {}
    if not smoke and "batch" in sections:
        results["validation"] = costs.validation_cost()
    if "batch" in sections:
        results["privacy"] = costs.privacy_cost()
    web_processes = int(os.environ.get("BENCH_WEB_PROCESSES", "4"))
    with Stack(web_processes=web_processes, celery_workers=2) as stack:
        if "batch" in sections:
            batch_results, ingest_ended = batch.batch_section(
                stack, clients=clients, seconds=seconds
            )
            results |= batch_results
        if "errors" in sections:
            results |= errors.errors_section(stack, smoke=smoke)
        if "batch" in sections:
            results["scaleOut"]["rollup"] = batch.rollup_check(stack, ingest_ended=ingest_ended)
        if "metrics" in sections:
            results["metrics"] = metrics.metrics(
                stack,
                events=20_000 if smoke else 1_000_000,
                requests=5 if smoke else 30,
            )
        if "retention" in sections:
            results["retention"] = retention.retention_under_load(
                stack,
                rows=20_000 if smoke else 1_000_000,
                clients=clients,
                seconds=seconds / 2,
            )
    return results


if __name__ == "__main__":
    sys.exit(main())
