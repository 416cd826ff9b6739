"""The in-process costs beside section 1, with no HTTP: validating an event both ways
(bench/validation_cost.py) and scrubbing the largest accepted bodies (bench/privacy_cost.py)."""

import json
import os
import subprocess

from bench.report import Target
from bench.stack import BIN, ROOT, log

# The bodies built to make a scrubbing pattern backtrack.
ADVERSARIAL = ("telemetryBatch1MiB", "errorReportLargest", "sentryEvent1MiB")


def _cost_module(module: str) -> dict:
    """Run the in-process cost module `module` on an in-memory database; return its JSON."""
    answer = subprocess.run(
        [BIN / "python", "-m", module],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "sqlite:///:memory:", "REDIS_URL": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(answer.stdout)


def validation_cost() -> dict:
    """Return the per-event cost (µs) of the DRF serializer and of the fast validator."""
    log("validation cost per event (in process, no HTTP)")
    return _cost_module("bench.validation_cost")


def privacy_cost() -> dict:
    """Return what scrubbing the largest accepted bodies costs (ms, and ratio to json.loads)."""
    log("privacy scrubbing of the largest accepted bodies (in process, no HTTP)")
    return _cost_module("bench.privacy_cost")


def targets(results: dict) -> list[Target]:
    """Return the privacy scrubbing targets."""
    privacy = results["privacy"]
    rows = [
        Target(f"scrub {body} (ms)", privacy[body]["scrubMs"], "<=", 50) for body in ADVERSARIAL
    ]
    ratio = privacy["telemetryBatch1MiB"]["ratioToJsonLoads"]
    worst = max(privacy[body]["scrubMs"] for body in ADVERSARIAL)
    dense = max(privacy[body + "Dense"]["scrubMs"] for body in ADVERSARIAL)
    return [
        *rows,
        Target("scrub 1 MiB batch / json.loads", ratio, "<=", 40),
        # Gated even in the smoke run: a pattern that backtracks again costs seconds here.
        Target("scrub worst adversarial body (ms)", worst, "<=", 1000, gates_smoke=True),
        Target("scrub worst all-findings body (ms)", dense, "<=", 1000),
    ]


def validation_lines(results: dict) -> list[str]:
    """Return the report's line on validation."""
    validation = results["validation"]
    return [
        f"   validation per event: DRF serializer {validation['serializerMicroseconds']} µs, "
        f"fast validator {validation['fastMicroseconds']} µs"
    ]


def privacy_lines(results: dict) -> list[str]:
    """Return the report's lines on privacy scrubbing."""
    privacy = results["privacy"]
    bodies = ", ".join(
        f"{body} {run['scrubMs']} ({run['jsonLoadsMs']}; {run['ratioToJsonLoads']})"
        for body, run in privacy.items()
        if isinstance(run, dict)
    )
    return [
        f"   privacy scrubbing, ms (json.loads of the same body, ms; ratio): {bodies}",
        f"   realistic events: {privacy['realisticMicrosecondsPerEvent']} µs per event",
    ]
