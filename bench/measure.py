"""Running the load generator (bench/load.py) against the stack, and what its requests measure:
latency percentiles, rates, and the CPU each process group spends per request."""

import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.stack import BIN, ROOT, Stack


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def load_command(stack: Stack, *, clients: int, seconds: float, output: str, extra=()) -> list:
    return [
        *(BIN / "python", "-m", "bench.load"),
        *("--ports", ",".join(map(str, stack.ports)), "--clients", str(clients)),
        *("--seconds", str(seconds), "--out", output, *extra),
    ]


def run_load(stack: Stack, *, clients: int, seconds: float, extra=()) -> list:
    """Run bench/load.py in its own process against every web port; return its requests."""
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        command = load_command(
            stack, clients=clients, seconds=seconds, output=output.name, extra=extra
        )
        subprocess.run(command, cwd=ROOT, check=True)
        return json.loads(Path(output.name).read_text())["requests"]


# Where the CPU goes, by process: (group, a string its command line contains), first match
# wins (the load generator's command line names the database URL).
CPU_GROUPS = (
    ("loadGenerator", "bench.load"),
    ("web", "gunicorn"),
    ("postgres", "postgres"),
    ("redis", "redis-server"),
    ("celery", "celery"),
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks_by_process() -> dict[int, tuple[str, int]]:
    """Return the CPU group and the CPU ticks used so far of every process in a CPU_GROUPS."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = next((name for name, marker in CPU_GROUPS if marker in command), None)
        if group:
            ticks[int(entry.name)] = (group, int(fields[11]) + int(fields[12]))
    return ticks


def run_load_with_cpu(stack: Stack, *, clients: int, seconds: float, extra=()) -> tuple:
    """Run the load like run_load; also return the CPU milliseconds each process group spent
    per request answered, measured over the middle of the run (not start-up or wind-down)."""
    margin = min(2.0, seconds / 4)
    marks = []

    def sample() -> None:
        time.sleep(margin)
        marks.append((time.time(), cpu_ticks_by_process()))
        time.sleep(seconds - 2 * margin)
        marks.append((time.time(), cpu_ticks_by_process()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    requests = run_load(stack, clients=clients, seconds=seconds, extra=extra)
    sampler.join()
    (started, before), (ended, after) = marks
    answered = sum(1 for row in requests if started <= row[0] + row[1] < ended)
    spent: dict[str, int] = {}
    for pid, (group, ticks) in after.items():
        if pid in before:
            spent[group] = spent.get(group, 0) + ticks - before[pid][1]
    per_request = {
        group: round(ticks / CLOCK_TICKS * 1000 / answered, 3) if answered else 0.0
        for group, ticks in sorted(spent.items())
        if ticks
    }
    return requests, per_request


def latency_summary(requests: list) -> dict:
    """Return the count, rate, p50/p99, non-2xx answers and per-client spread of a load run."""
    latencies = [row[1] * 1000 for row in requests]
    wall = max((r[0] + r[1] for r in requests), default=0) - min(
        (r[0] for r in requests), default=0
    )
    return {
        "requests": len(requests),
        "perSecond": round(len(requests) / wall) if wall else 0,
        "p50Ms": round(percentile(latencies, 0.50), 1),
        "p99Ms": round(percentile(latencies, 0.99), 1),
        "non2xx": sum(1 for row in requests if not 200 <= row[2] < 300),
        "clientMeanMs": client_mean_spread(requests),
    }


def client_mean_spread(requests: list) -> dict:
    """Return the mean latency of the fastest and the slowest client (ms).

    Every client sends the same requests, so a wide spread means some were served by busier
    web workers than others: a keep-alive connection stays with the worker that accepted it.
    """
    by_client: dict[int, list[float]] = {}
    for row in requests:
        by_client.setdefault(row[4], []).append(row[1] * 1000)
    means = [sum(values) / len(values) for values in by_client.values()]
    return {"fastest": round(min(means, default=0), 1), "slowest": round(max(means, default=0), 1)}
