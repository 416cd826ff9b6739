"""The production stack the bench loads: PostgreSQL and Redis, a fresh database, gunicorn
masters and Celery workers in the production environment, and their memory while they run."""

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
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
WSGI = "config.wsgi"
QUIET = ("--concurrency", "1", "--loglevel", "warning")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


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


def child_pids(pid: int) -> list[int]:
    """Return the pids of the children of process `pid` (none once it is gone)."""
    with contextlib.suppress(OSError):
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    return []


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
            "SENTRY_INGEST_RATE_LIMIT": "1000000000",
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
        return [pid for master in self.masters for pid in child_pids(master.pid)]

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
