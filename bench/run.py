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
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.metrics_bench import load_events

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results.json"
PARTIAL_RESULTS = ROOT / "bench" / "results-partial.json"
# Section 1 carries memory (5) and the scale-out roll-up check.
SECTIONS = ("batch", "errors", "metrics", "retention")
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
WSGI = "config.wsgi"
# The load generator's events; the service also records its own API calls in the same table.
BENCH_EVENTS = "anonymous_id LIKE 'anon%%'"
QUIET = ("--concurrency", "1", "--loglevel", "warning")
EVENT_TABLE = "telemetry_telemetryevent"
EVENT_COLUMNS = (
    "type, page, action, duration, metadata, user_agent, platform, session_id, user_id, "
    "anonymous_id, device_type, region, client_timestamp, created_at"
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_services() -> None:
    """Start PostgreSQL and Redis when they are down, as .ci/run does."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode:
        version = sorted(os.listdir("/etc/postgresql"))[0]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
    ping = ["redis-cli", "-h", "127.0.0.1", "ping"]
    if subprocess.run(ping, capture_output=True, check=False).returncode:
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--save", ""],
            check=False,
        )
    for _ in range(30):
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False)
        if not ready.returncode and not subprocess.run(ping, capture_output=True).returncode:
            return
        time.sleep(1)
    raise SystemExit("PostgreSQL or Redis did not start.")


class Stack:
    """The production stack on a fresh database: gunicorn masters and Celery workers."""

    def __init__(self, *, web_processes: int, celery_workers: int):
        self.database = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + self.database
        self.ports = [free_port() for _ in range(web_processes)]
        self.celery_workers = celery_workers
        self.masters: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.logs = tempfile.TemporaryDirectory(prefix="bench-logs-")
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SENTRY_DSN": "",
            "NEXT_PUBLIC_SENTRY_DSN": "",
            "ENABLE_ANALYTICS": "1",
            # Every client is 127.0.0.1: keep the limiter's Redis round trip, never its 429.
            "TELEMETRY_RATE_LIMIT": "1000000000",
            "ERRORS_RATE_LIMIT": "1000000000",
            # One single-threaded worker per master: the clients, spread over the ports like a
            # balancer would, then spread evenly over the workers and wait for no GIL
            # (docs/performance.md, "Layout").
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "1"),
            "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "1"),
            "LOG_LEVEL": "WARNING",
            "GUNICORN_LOG_LEVEL": "warning",
            "PYTHONWARNINGS": "ignore",
        }

    def __enter__(self):
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True, check=False)
        log(f"database {self.database}: migrating")
        subprocess.run(
            [BIN / "python", "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        for number, port in enumerate(self.ports, start=1):
            self.masters.append(
                self._spawn(
                    f"web{number}",
                    [BIN / "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", WSGI],
                )
            )
        for number in range(1, self.celery_workers + 1):
            self.workers.append(
                self._spawn(
                    f"celery{number}",
                    [BIN / "celery", "-A", "config", "worker", "-n", f"bench{number}@%h", *QUIET],
                )
            )
        for port in self.ports:
            self._wait_http(port)
        log(f"web on ports {self.ports}, {self.celery_workers} Celery workers")
        return self

    def _spawn(self, name: str, command: list) -> subprocess.Popen:
        output = open(Path(self.logs.name) / f"{name}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [str(part) for part in command],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_http(self, port: int) -> None:
        for _ in range(120):
            url = f"http://127.0.0.1:{port}/api/health"
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):
                return
            time.sleep(0.25)
        self.dump_logs()
        raise SystemExit(f"gunicorn on port {port} did not answer /api/health.")

    def dump_logs(self) -> None:
        for path in sorted(Path(self.logs.name).glob("*.log")):
            tail = path.read_text(errors="replace")[-3000:]
            if tail.strip():
                print(f"--- {path.name} ---\n{tail}", file=sys.stderr)

    def web_worker_pids(self) -> list[int]:
        """Return the pids of the gunicorn worker processes (children of the masters)."""
        pids = []
        for master in self.masters:
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
                pids += [int(pid) for pid in children.split()]
        return pids

    def celery_ping(self) -> int:
        """Return how many Celery workers answer a broadcast ping."""
        answer = subprocess.run(
            [BIN / "celery", "-A", "config", "inspect", "ping", "--timeout", "2", "--json"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        with contextlib.suppress(ValueError):
            replies = json.loads(answer.stdout.strip().splitlines()[-1])
            return sum(1 for name in replies if name.startswith("bench"))
        return 0

    def send_rollup_task(self) -> None:
        """Send the telemetry roll-up task to the Celery workers through the broker, as beat
        does every 5 minutes."""
        subprocess.run(
            [BIN / "celery", "-A", "config", "call", "telemetry.rollup"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            check=True,
        )

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.database_url, autocommit=True)

    def __exit__(self, *exc_info):
        for process in self.masters + self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.masters + self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if exc_info[0] is not None:
            self.dump_logs()
        self.logs.cleanup()
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True, check=False)
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        log(f"stack stopped, database {self.database} dropped")


class RssSampler(threading.Thread):
    """Sample the resident memory of every web worker; keep the peak."""

    def __init__(self, stack: Stack):
        super().__init__(daemon=True)
        self.stack = stack
        self.peak_kib = 0
        self.samples = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            for pid in self.stack.web_worker_pids():
                with contextlib.suppress(OSError, ValueError):
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                            self.samples += 1
            time.sleep(0.25)


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


def raw_copy_rate(stack: Stack, *, after_id: int) -> tuple[int, float]:
    """COPY the rows ingestion stored into a same-indexed copy of the table; return rows/s."""
    with stack.connect() as connection:
        connection.execute(f"CREATE TABLE bench_copy (LIKE {EVENT_TABLE} INCLUDING ALL)")
        buffer = bytearray()
        with connection.cursor().copy(
            f"COPY (SELECT {EVENT_COLUMNS} FROM {EVENT_TABLE} WHERE id > {after_id} "
            f"AND {BENCH_EVENTS} ORDER BY id) TO STDOUT"
        ) as copy:
            for chunk in copy:
                buffer += chunk
        rows = buffer.count(b"\n")
        started = time.monotonic()
        with connection.cursor().copy(f"COPY bench_copy ({EVENT_COLUMNS}) FROM STDIN") as copy:
            for offset in range(0, len(buffer), 1 << 20):
                copy.write(buffer[offset : offset + (1 << 20)])
        elapsed = time.monotonic() - started
        connection.execute("DROP TABLE bench_copy")
    return rows, rows / elapsed if elapsed else 0.0


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
    return _cost_module("bench.validation_cost")


def privacy_cost() -> dict:
    """Return what scrubbing the largest accepted bodies costs (ms, and ratio to json.loads)."""
    return _cost_module("bench.privacy_cost")


def batch_ingest(stack: Stack, *, clients: int, seconds: float) -> dict:
    """Section 1: batches over HTTP against a raw COPY of the same rows."""
    run_load(stack, clients=clients, seconds=min(2.0, seconds / 3))  # warm-up, not counted
    with stack.connect() as connection:
        before_id, before = connection.execute(
            f"SELECT coalesce(max(id), 0), count(*) FROM {EVENT_TABLE} WHERE {BENCH_EVENTS}"
        ).fetchone()
    requests, cpu = run_load_with_cpu(stack, clients=clients, seconds=seconds)
    with stack.connect() as connection:
        (after,) = connection.execute(
            f"SELECT count(*) FROM {EVENT_TABLE} WHERE {BENCH_EVENTS}"
        ).fetchone()
    accepted = sum(row[3] for row in requests if 200 <= row[2] < 300)
    stored = after - before
    wall = max(r[0] + r[1] for r in requests) - min(r[0] for r in requests)
    copied, copy_rate = raw_copy_rate(stack, after_id=before_id)
    events_per_second = stored / wall if wall else 0.0
    return {
        **latency_summary(requests),
        "clients": clients,
        "seconds": round(wall, 2),
        "eventsAccepted": accepted,
        "eventsStored": stored,
        "eventsLost": accepted - stored,
        "eventsPerSecond": round(events_per_second),
        "rawCopyRows": copied,
        "rawCopyRowsPerSecond": round(copy_rate),
        "ratioToRawCopy": round(events_per_second / copy_rate, 3) if copy_rate else 0.0,
        "cpuMsPerBatch": cpu,
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


def rollup_check(stack: Stack) -> dict:
    """Send the roll-up task twice at once to the two Celery workers; the roll-ups must count
    every raw event before the roll-up point exactly once."""
    for _ in range(2):
        stack.send_rollup_task()
    until, stable = None, 0
    for _ in range(240):
        with stack.connect() as connection:
            row = connection.execute(
                "SELECT rolled_up_until FROM telemetry_telemetryrollupstate"
            ).fetchone()
            active = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND query ILIKE '%telemetry_%' "
                "AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        stable = stable + 1 if row and row[0] and row[0] == until and not active else 0
        if stable >= 3:
            break
        until = row[0] if row else None
        time.sleep(0.5)
    with stack.connect() as connection:
        (raw,) = connection.execute(
            "SELECT count(*) FROM telemetry_telemetryevent WHERE created_at < %s", [until]
        ).fetchone()
    return {"rolledUpUntil": str(until), "rawEvents": raw, "rolledUpEvents": _rolled_up(stack)}


def _rolled_up(stack: Stack) -> int:
    """Return how many events the hourly roll-ups count."""
    with stack.connect() as connection:
        (rolled,) = connection.execute(
            "SELECT coalesce(sum(count), 0) FROM telemetry_telemetryaggregate"
        ).fetchone()
    return int(rolled)


def retention_under_load(stack: Stack, *, rows: int, clients: int, seconds: float) -> dict:
    """Section 4: purge `rows` expired events while batch ingest runs; compare ingest p99."""
    log(f"  loading {rows} expired events")
    with stack.connect() as connection:
        connection.execute(
            f"INSERT INTO {EVENT_TABLE} ({EVENT_COLUMNS}) "
            "SELECT 'page_view', '/flow', '', NULL, '{\"referrer\": \"/home\"}'::jsonb, "
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


# The web workers write the service's own api_call events in bulk every 5 s
# (TELEMETRY["SELF_FLUSH_SECONDS"]): after this wait none is left in their buffers.
SELF_TELEMETRY_WAIT = 6.0
STAFF_TOKEN_SCRIPT = (
    "from django.contrib.auth import get_user_model; "
    "from rest_framework.authtoken.models import Token; "
    "staff = get_user_model().objects.create_user('bench-metrics', is_staff=True); "
    "print(Token.objects.create(user=staff).key)"
)


def metrics(stack: Stack, *, events: int, requests: int) -> dict:
    """Section 3: load `events` events over the last 30 days, roll them up with the Celery
    task beat sends, then time `requests` sequential GET /api/telemetry over HTTP (30 and 7
    days, after 3 warm-ups each); check that the 30-day answer counts exactly the raw events
    stamped in its window."""
    section_started = time.monotonic()
    log(f"  loading {events} events over the last 30 days")
    started = time.monotonic()
    with stack.connect() as connection:
        load_events(connection.cursor(), events=events, days=30, now=datetime.now(UTC))
    load_seconds = time.monotonic() - started
    log(f"  loaded in {load_seconds:.1f} s; the roll-up task on a Celery worker")
    rollup = _rollup_task(stack)
    log(f"  rolled up: {rollup}")
    token = subprocess.run(
        [BIN / "python", "manage.py", "shell", "-v", "0", "-c", STAFF_TOKEN_SCRIPT],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    time.sleep(SELF_TELEMETRY_WAIT)
    with stack.connect() as connection:
        (last_id,) = connection.execute(f"SELECT max(id) FROM {EVENT_TABLE}").fetchone()
    # Nothing else writes events now, so the answer sees exactly the events up to last_id.
    answer = _api_get(stack.ports[0], "/api/telemetry?days=30", token)
    window_start = datetime.fromisoformat(answer["windowStart"])
    with stack.connect() as connection:
        raw, loaded = connection.execute(
            f"SELECT count(*), count(*) FILTER (WHERE session_id LIKE 'sess-%%') "
            f"FROM {EVENT_TABLE} WHERE created_at >= %s AND id <= %s",
            [window_start, last_id],
        ).fetchone()
    api = {
        query: _time_api(stack, f"/api/telemetry?{query}", token, requests=requests)
        for query in ("days=30", "days=7")
    }
    return {
        "events": events,
        "loadSeconds": round(load_seconds, 1),
        "rollup": rollup,
        "api": api,
        "windowStart": answer["windowStart"],
        "answerTotalEvents": answer["totalEvents"],
        "rawEventsInWindow": raw,
        "loadedEventsInWindow": loaded,
        "seconds": round(time.monotonic() - section_started, 1),
    }


def _rollup_task(stack: Stack) -> dict:
    """Send the roll-up task to the Celery workers, as beat does every 5 minutes, and wait
    until it has committed; return the events it added to the roll-ups and the seconds from
    sending it to its commit."""
    with stack.connect() as connection:
        (last_id,) = connection.execute(f"SELECT max(id) FROM {EVENT_TABLE}").fetchone()
    before = _rolled_up(stack)
    started = time.monotonic()
    stack.send_rollup_task()
    while True:
        with stack.connect() as connection:
            row = connection.execute(
                "SELECT last_event_id FROM telemetry_telemetryrollupstate"
            ).fetchone()
        if row and row[0] >= last_id:
            break
        if time.monotonic() - started > 600:
            raise SystemExit("The roll-up task did not finish within 10 minutes.")
        time.sleep(0.1)
    seconds = time.monotonic() - started
    added = _rolled_up(stack) - before
    return {
        "events": added,
        "seconds": round(seconds, 1),
        "eventsPerSecond": round(added / seconds),
    }


def _api_get(port: int, path: str, token: str) -> dict:
    """GET `path` from the web process on `port` with a staff token; return the JSON answer."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _time_api(stack: Stack, path: str, token: str, *, requests: int) -> dict:
    """GET `path` 3 times, then `requests` times timed, one at a time, alternating between
    the web ports; return the timed requests' p50 and p95 in milliseconds."""
    latencies = []
    for number in range(3 + requests):
        started = time.perf_counter()
        _api_get(stack.ports[number % len(stack.ports)], path, token)
        if number >= 3:
            latencies.append((time.perf_counter() - started) * 1000)
    return {
        "requests": requests,
        "p50Ms": round(percentile(latencies, 0.50), 1),
        "p95Ms": round(percentile(latencies, 0.95), 1),
    }


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
    clients, seconds = (4, 3.0) if options.smoke else (16, 20.0)

    ensure_services()
    results: dict = {
        "mode": "smoke" if options.smoke else "full",
        "sections": sorted(sections),
        "cpuCount": os.cpu_count(),
        "loadAverageAtStart": os.getloadavg()[0],
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if not options.smoke and "batch" in sections:
        log("validation cost per event (in process, no HTTP)")
        results["validation"] = validation_cost()
    if "batch" in sections:
        log("privacy scrubbing of the largest accepted bodies (in process, no HTTP)")
        results["privacy"] = privacy_cost()
    web_processes = int(os.environ.get("BENCH_WEB_PROCESSES", "4"))
    with Stack(web_processes=web_processes, celery_workers=2) as stack:
        if "batch" in sections:
            sampler = RssSampler(stack)
            sampler.start()
            log(f"section 1: batch ingest, {clients} clients, {len(stack.ports)} web masters")
            results["batchIngest"] = batch_ingest(stack, clients=clients, seconds=seconds)
            ingest_ended = time.time()
            sampler.running = False
            sampler.join()
            results["webWorkerPeakRssMB"] = round(sampler.peak_kib / 1024, 1)
            results["rssSamples"] = sampler.samples
            results["scaleOut"] = {
                "webProcesses": len(stack.ports),
                "celeryWorkersAnswering": stack.celery_ping(),
                "celeryWorkersStarted": len(stack.workers),
            }
        if "errors" in sections:
            log("section 2: error ingest vs the raw statement and the raw upsert")
            error_clients, error_seconds = (10, 2.0) if options.smoke else (50, 10.0)
            results["emptyApiView"] = empty_view_cost(
                stack, clients=error_clients, seconds=error_seconds
            )
            results["errorIngest"] = error_ingest(
                stack,
                clients=error_clients,
                seconds=error_seconds,
                distinct_counts=(10,) if options.smoke else (1, 10, 1000),
                empty_view=results["emptyApiView"],
            )
        if "batch" in sections:
            log("scale-out: the roll-up task twice at once on two Celery workers")
            # Roll-ups leave the last 30 s to raw reads; section 1's events must be older.
            time.sleep(max(0.0, ingest_ended + 31 - time.time()))
            results["scaleOut"]["rollup"] = rollup_check(stack)
        if "metrics" in sections:
            log("section 3: GET /api/telemetry over events rolled up by the Celery task")
            results["metrics"] = metrics(
                stack,
                events=20_000 if options.smoke else 1_000_000,
                requests=5 if options.smoke else 30,
            )
        if "retention" in sections:
            log("section 4: purge_expired while batch ingest runs")
            results["retention"] = retention_under_load(
                stack,
                rows=20_000 if options.smoke else 1_000_000,
                clients=clients,
                seconds=seconds / 2,
            )
    results["checks"] = checks(results, smoke=options.smoke)
    output = RESULTS if sections == set(SECTIONS) else PARTIAL_RESULTS
    output.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results, output)
    failed = [check for check in results["checks"] if not check["pass"] and check["gate"]]
    return 1 if failed else 0


def checks(results: dict, *, smoke: bool) -> list[dict]:
    """Return each target with its measured value and whether it passes.

    `gate` marks the checks that decide the exit code: all of them in a full run, only the
    correctness ones in the smoke run (3 seconds on a busy CI box says nothing about speed).
    """
    rows = []
    if "batchIngest" in results:
        batch = results["batchIngest"]
        scale = results["scaleOut"]
        rollup = scale["rollup"]
        rows += [
            ("batch ingest vs raw COPY", batch["ratioToRawCopy"], ">= 0.20", 0.20, False),
            ("batch ingest p99 (ms)", batch["p99Ms"], "<= 100", 100, False),
            ("batch ingest non-2xx", batch["non2xx"], "== 0", 0, True),
            ("batch ingest lost events", batch["eventsLost"], "== 0", 0, True),
            ("web worker peak RSS (MB)", results["webWorkerPeakRssMB"], "<= 150", 150, False),
            (
                "Celery workers answering",
                scale["celeryWorkersAnswering"],
                f"== {scale['celeryWorkersStarted']}",
                scale["celeryWorkersStarted"],
                True,
            ),
            (
                "roll-ups (2 workers) count raw once",
                rollup["rolledUpEvents"],
                f"== {rollup['rawEvents']}",
                rollup["rawEvents"] or -1,
                True,
            ),
        ]
    if "privacy" in results:
        privacy = results["privacy"]
        adversarial = ("telemetryBatch1MiB", "errorReportLargest", "sentryEvent1MiB")
        for body in adversarial:
            rows.append((f"scrub {body} (ms)", privacy[body]["scrubMs"], "<= 50", 50, False))
        rows.append(
            (
                "scrub 1 MiB batch / json.loads",
                privacy["telemetryBatch1MiB"]["ratioToJsonLoads"],
                "<= 40",
                40,
                False,
            )
        )
        # Gated even in the smoke run: a pattern that backtracks again costs seconds here.
        worst = max(privacy[body]["scrubMs"] for body in adversarial)
        rows.append(("scrub worst adversarial body (ms)", worst, "<= 1000", 1000, True))
        dense = max(privacy[body + "Dense"]["scrubMs"] for body in adversarial)
        rows.append(("scrub worst all-findings body (ms)", dense, "<= 1000", 1000, False))
    if "errorIngest" in results:
        for distinct, run in results["errorIngest"].items():
            rows += [
                (
                    f"errors x{distinct} vs raw statement",
                    run["ratioToRawStatement"],
                    ">= 0.5",
                    0.5,
                    False,
                ),
                (f"errors x{distinct} p99 (ms)", run["p99Ms"], "<= 250", 250, False),
                (f"errors x{distinct} exact counts", run["countsExact"], "== True", True, True),
                (
                    f"errors x{distinct} raw baseline exact",
                    run["rawStatementCountsExact"] and run["rawCountsExact"],
                    "== True",
                    True,
                    True,
                ),
                (f"errors x{distinct} deadlocks", run["deadlocks"], "== 0", 0, True),
                (f"errors x{distinct} non-2xx", run["non2xx"], "== 0", 0, True),
            ]
    if "metrics" in results:
        metrics_run = results["metrics"]
        rows += [
            (
                f"metrics {_events_label(metrics_run['events'])} p95 (ms)",
                metrics_run["api"]["days=30"]["p95Ms"],
                "<= 300",
                300,
                False,
            ),
            (
                "metrics answer counts every event",
                metrics_run["answerTotalEvents"],
                f"== {metrics_run['rawEventsInWindow']}",
                metrics_run["rawEventsInWindow"] if metrics_run["loadedEventsInWindow"] else -1,
                True,
            ),
        ]
    if "retention" in results:
        retention = results["retention"]
        rows += [
            ("purge: ingest p99 increase", retention["p99Increase"], "<= 0.20", 0.20, False),
            ("purge: expired rows left", retention["expiredLeft"], "== 0", 0, True),
            ("purge: ingest non-2xx", retention["ingestDuringPurge"]["non2xx"], "== 0", 0, True),
        ]
    table = []
    for name, value, target, bound, correctness in rows:
        if target.startswith(">="):
            passed = value >= bound
        elif target.startswith("<="):
            passed = value <= bound
        else:
            passed = value == bound
        if name == "batch ingest lost events":
            passed = passed and results["batchIngest"]["eventsStored"] > 0
        table.append(
            {
                "check": name,
                "value": value,
                "target": target,
                "pass": passed,
                "gate": correctness or not smoke,
            }
        )
    return table


def _spread_text(run: dict) -> str:
    spread = run["clientMeanMs"]
    return f"mean latency per client: {spread['fastest']} to {spread['slowest']} ms"


def _events_label(events: int) -> str:
    """Return a count of events as 20k or 1M."""
    return f"{events // 1_000_000}M" if events >= 1_000_000 else f"{events // 1000}k"


def _cpu_text(cpu: dict) -> str:
    return ", ".join(f"{group} {ms}" for group, ms in cpu.items())


def print_table(results: dict, output: Path) -> None:
    print()
    print(
        f"== bench ({results['mode']}, sections {', '.join(results['sections'])}), "
        f"{results['cpuCount']} cores, load average at start {results['loadAverageAtStart']:.2f}"
    )
    if "batchIngest" in results:
        batch = results["batchIngest"]
        print(
            f"1. batch ingest: {batch['eventsPerSecond']} events/s over {batch['seconds']}s "
            f"({batch['requests']} requests of 100 events, {batch['clients']} clients), "
            f"p50 {batch['p50Ms']} ms, p99 {batch['p99Ms']} ms, non-2xx {batch['non2xx']}, "
            f"accepted {batch['eventsAccepted']}, stored {batch['eventsStored']}"
        )
        print(f"   {_spread_text(batch)}")
        print(
            f"   raw COPY of the same {batch['rawCopyRows']} rows: "
            f"{batch['rawCopyRowsPerSecond']} rows/s; ratio {batch['ratioToRawCopy']}"
        )
        print(f"   CPU ms per 100-event batch: {_cpu_text(batch['cpuMsPerBatch'])}")
    if "validation" in results:
        validation = results["validation"]
        print(
            f"   validation per event: DRF serializer {validation['serializerMicroseconds']} µs, "
            f"fast validator {validation['fastMicroseconds']} µs"
        )
    if "privacy" in results:
        privacy = results["privacy"]
        print(
            "   privacy scrubbing, ms (json.loads of the same body, ms; ratio): "
            + ", ".join(
                f"{body} {run['scrubMs']} ({run['jsonLoadsMs']}; {run['ratioToJsonLoads']})"
                for body, run in privacy.items()
                if isinstance(run, dict)
            )
        )
        print(f"   realistic events: {privacy['realisticMicrosecondsPerEvent']} µs per event")
    if "errorIngest" in results:
        for distinct, run in results["errorIngest"].items():
            print(
                f"2. error ingest, {distinct} distinct: {run['perSecond']} reports/s, "
                f"p50 {run['p50Ms']} ms, p99 {run['p99Ms']} ms, accepted {run['accepted']}, "
                f"stored frequencies {run['storedFrequencySum']}, deadlocks {run['deadlocks']}"
            )
            print(f"   {_spread_text(run)}")
            print(
                f"   raw: the service's statement {run['rawStatementsPerSecond']}/s "
                f"(ratio {run['ratioToRawStatement']}, p99 {run['rawStatementP99Ms']} ms); "
                "the group-row upsert alone "
                f"{run['rawUpsertsPerSecond']}/s (ratio {run['ratioToRawUpsert']}, not a target)"
            )
            print(
                f"   CPU ms per report: {_cpu_text(run['cpuMsPerReport'])}; raw statement: "
                f"{_cpu_text(run['rawStatementCpuMsPerReport'])}; ratio ceiling with the web "
                f"tier at an empty view's cost: {run['ratioCeiling']}"
            )
    if "emptyApiView" in results:
        empty = results["emptyApiView"]
        print(
            f"   empty API view (GET /api/health): {empty['perSecond']} requests/s, CPU ms per "
            f"request: {_cpu_text(empty['cpuMsPerRequest'])}"
        )
    if "metrics" in results:
        metrics_run = results["metrics"]
        rollup = metrics_run["rollup"]
        print(
            f"3. metrics: {metrics_run['events']} events over 30 days loaded in "
            f"{metrics_run['loadSeconds']} s; the roll-up task added {rollup['events']} events "
            f"in {rollup['seconds']} s ({rollup['eventsPerSecond']} events/s)"
        )
        print(
            "   GET /api/telemetry, "
            + ", ".join(
                f"{query}: p50 {run['p50Ms']} ms, p95 {run['p95Ms']} ms"
                for query, run in metrics_run["api"].items()
            )
            + f" ({metrics_run['api']['days=30']['requests']} requests each, one at a time)"
        )
        print(
            f"   the 30-day answer counts {metrics_run['answerTotalEvents']} events; raw events "
            f"since {metrics_run['windowStart']}: {metrics_run['rawEventsInWindow']} "
            f"({metrics_run['loadedEventsInWindow']} of them loaded here)"
        )
        print(
            "   the issue's target (p95 <= 300 ms) is for 10 M events, which take longer than "
            "this run's 10 minutes to load and roll up: bench/metrics_bench.py measures them"
        )
    if "retention" in results:
        retention = results["retention"]
        print(
            f"4. retention: purge_expired of {retention['expiredRows']} expired events took "
            f"{retention['purgeSeconds']} s; ingest p99 {retention['ingestAlone']['p99Ms']} ms "
            f"alone, {retention['ingestDuringPurge']['p99Ms']} ms during the purge "
            f"({retention['p99Increase']:+.0%})"
        )
    if "batchIngest" in results:
        print(f"5. web worker peak RSS: {results['webWorkerPeakRssMB']} MB")
        scale = results["scaleOut"]
        print(
            f"scale-out: {scale['webProcesses']} gunicorn masters, "
            f"{scale['celeryWorkersAnswering']}/{scale['celeryWorkersStarted']} Celery workers "
            "answering; no lost events is checked across all web processes"
        )
        rollup = scale["rollup"]
        print(
            f"   roll-up task sent twice at once: {rollup['rolledUpEvents']} events in roll-ups, "
            f"{rollup['rawEvents']} raw events before {rollup['rolledUpUntil']}"
        )
    print()
    print(f"{'check':34} {'value':>12}  {'target':10} result")
    for check in results["checks"]:
        verdict = "PASS" if check["pass"] else ("FAIL" if check["gate"] else "fail (not gated)")
        print(f"{check['check']:34} {check['value']!s:>12}  {check['target']:10} {verdict}")
    print(f"\nwritten to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
