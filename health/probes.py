"""The probes behind the health document: each measures one part and never hangs the caller.

Database figures are read in the calling thread (they must see its connection and transaction)
and bounded by a PostgreSQL statement timeout; the cache and the broker are probed in worker
threads with a deadline, so a hung Redis or broker costs at most PROBE_TIMEOUT_SECONDS.
"""

import functools
import re
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sentry_sdk
from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from kombu import Connection

from common.privacy import scrub_text
from health.models import HealthStatus

PROCESS_STARTED_AT = datetime.now(UTC)
_PROCESS_STARTED_MONOTONIC = time.monotonic()

_SEVERITY = {HealthStatus.HEALTHY: 0, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 2}
_URL_CREDENTIALS = re.compile(r"://[^/@\s]+@")


def status_worst(*statuses: str) -> str:
    """Return the worst of `statuses` (healthy < degraded < unhealthy)."""
    return max(statuses, key=lambda status: _SEVERITY[status], default=HealthStatus.HEALTHY)


def status_at_least(status: str, threshold: str) -> bool:
    """Return whether `status` is as bad as `threshold` or worse."""
    return _SEVERITY[status] >= _SEVERITY[threshold]


def status_for_value(value: float, *, limits: tuple[float, float]) -> str:
    """Return healthy below limits[0], degraded from limits[0] to limits[1], unhealthy above."""
    degraded_from, unhealthy_above = limits
    if value < degraded_from:
        return HealthStatus.HEALTHY
    if value <= unhealthy_above:
        return HealthStatus.DEGRADED
    return HealthStatus.UNHEALTHY


def describe_failure(error: BaseException) -> str:
    """Return a one-line description of `error` without credentials."""
    text = _URL_CREDENTIALS.sub("://[Filtered]@", str(error) or "no detail")
    return f"{type(error).__name__}: {scrub_text(text, max_length=200)}"


def elapsed_ms(started: float) -> float:
    """Return the milliseconds since `started` (a time.perf_counter() value), rounded."""
    return round((time.perf_counter() - started) * 1000, 2)


@contextmanager
def database_bounded(*, timeout_seconds: float):
    """Run the block in a transaction whose statements PostgreSQL stops after the timeout."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(int(timeout_seconds * 1000))],
                )
        yield


def database_probe() -> dict:
    """Time a `SELECT 1` on the default database (the connection is opened first)."""
    connection.ensure_connection()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"latency_ms": elapsed_ms(started)}


def cache_probe() -> dict:
    """Write, read back and delete a key in the default cache; time the round trip."""
    cache = caches["default"]
    key = f"health:probe:{uuid.uuid4().hex}"
    started = time.perf_counter()
    cache.set(key, "ok", timeout=30)
    value = cache.get(key)
    cache.delete(key)
    latency = elapsed_ms(started)
    if value != "ok":
        raise RuntimeError("the value written to the cache could not be read back")
    return {"latency_ms": latency, "backend": cache.__class__.__name__}


def broker_transport() -> str:
    """Return the scheme of the Celery broker URL (redis, amqp, filesystem…)."""
    return settings.CELERY_BROKER_URL.split("://", 1)[0] or "unknown"


def broker_probe(*, timeout_seconds: float) -> dict:
    """Connect to the Celery broker with a connect timeout; for the embedded filesystem broker,
    check that its folder is writable."""
    transport = broker_transport()
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS or {})
    started = time.perf_counter()
    if transport == "filesystem":
        folder = Path(options.get("data_folder_in") or ".")
        # Celery creates the folder on first use; a process that has not used it yet does too.
        folder.mkdir(parents=True, exist_ok=True)
        if not _writable(folder):
            raise RuntimeError("the filesystem broker's folder is not writable")
    else:
        if transport.startswith(("redis", "rediss")):
            options.setdefault("socket_timeout", timeout_seconds)
            options.setdefault("socket_connect_timeout", timeout_seconds)
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=timeout_seconds,
            transport_options=options,
        ) as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout_seconds
            )
    return {"latency_ms": elapsed_ms(started), "transport": transport}


def _writable(folder: Path) -> bool:
    probe = folder / f".health-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


class ProbeBatch:
    """Probes running in worker threads against one deadline.

    Start them, do other work in the calling thread, then collect with `results()`. A probe
    that raises or misses the deadline yields `{"error": "..."}`; every result carries
    `duration_ms`. Threads still running at the deadline are abandoned, not waited for.
    """

    def __init__(self, probes: dict[str, Callable[[], dict]], *, timeout_seconds: float):
        self._timeout_seconds = timeout_seconds
        self._deadline = time.perf_counter() + timeout_seconds
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, len(probes)), thread_name_prefix="health-probe"
        )
        self._futures = {
            name: self._executor.submit(_timed, probe) for name, probe in probes.items()
        }

    def results(self) -> dict[str, dict]:
        """Wait, at most until the deadline, for every probe; return the results by name."""
        results = {}
        for name, future in self._futures.items():
            try:
                results[name] = future.result(
                    timeout=max(0.0, self._deadline - time.perf_counter())
                )
            except FutureTimeoutError:
                results[name] = {
                    "error": f"no answer within {self._timeout_seconds:g} s",
                    "duration_ms": round(self._timeout_seconds * 1000, 2),
                }
        self._executor.shutdown(wait=False, cancel_futures=True)
        return results


def _timed(probe: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    try:
        result = probe()
    except Exception as error:
        result = {"error": describe_failure(error)}
    result["duration_ms"] = elapsed_ms(started)
    return result


@dataclass(frozen=True)
class MemoryUsage:
    """The process's resident memory now (None where /proc is missing) and at its peak, in MB."""

    rss_mb: float | None
    peak_rss_mb: float


def memory_usage() -> MemoryUsage:
    """Return the process's resident memory now and at its peak, in MB."""
    figures_kb = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                figures_kb[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    if "VmHWM" not in figures_kb:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        figures_kb["VmHWM"] = peak / 1024 if sys.platform == "darwin" else peak
    rss_kb = figures_kb.get("VmRSS")
    return MemoryUsage(
        rss_mb=round(rss_kb / 1024, 1) if rss_kb is not None else None,
        peak_rss_mb=round(figures_kb["VmHWM"] / 1024, 1),
    )


@dataclass(frozen=True)
class Uptime:
    """How long this process has run: whole hours, and the total in minutes and in seconds."""

    hours: int
    minutes: int
    seconds: int
    formatted: str


def uptime() -> Uptime:
    """Return how long this process has run; `formatted` reads "24h 0m 0s"."""
    seconds = int(time.monotonic() - _PROCESS_STARTED_MONOTONIC)
    hours, remainder = divmod(seconds, 3600)
    return Uptime(
        hours=hours,
        minutes=seconds // 60,
        seconds=seconds,
        formatted=f"{hours}h {remainder // 60}m {remainder % 60}s",
    )


def version() -> str:
    """Return the release version from the VERSION file."""
    try:
        return Path(settings.VERSION_FILE).read_text().strip()
    except OSError:
        return "unknown"


def commit() -> str:
    """Return GIT_COMMIT when set, else the checkout's short commit hash, else "unknown"."""
    return settings.GIT_COMMIT or _git_commit()


@functools.cache
def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=2,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def sentry_enabled() -> bool:
    """Return whether this process reports its own errors to Sentry."""
    return sentry_sdk.get_client().is_active()
