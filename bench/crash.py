"""The crash test's killer: kill -9 a Celery worker's pool process while its digest holds a
batch's transaction open.

A pool process is matched to its PostgreSQL backend by the local port of its socket to the
database (/proc/<pid>/fd → /proc/net/tcp → pg_stat_activity.client_port). The process is
stopped (SIGSTOP) first and its backend looked at again: only if the transaction is still open
is it killed, so "inside a batch" is observed, not hoped for; otherwise it is let go on.
"""

import contextlib
import os
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.stack import Stack, child_pids

_OPEN_TRANSACTIONS = (
    "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
    "AND client_port = ANY(%s) AND xact_start IS NOT NULL "
    "AND state IN ('active', 'idle in transaction')"
)


def _database_ports(pid: int, database_port: int) -> list[int]:
    """Return the local ports of `pid`'s TCP connections to `database_port`."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == database_port:
                    ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


class DigestWorkerKill(threading.Thread):
    """Watch the Celery workers' pool processes; kill the first caught inside a digest
    transaction, then wait for its worker to start a new one."""

    def __init__(self, stack: Stack, *, give_up_after: float):
        super().__init__(daemon=True)
        self.stack = stack
        self.give_up_after = give_up_after
        self.database_port = urlparse(stack.database_url).port or 5432
        self.outcome = {"killedInsideBatch": False, "workerBack": False, "killText": ""}

    def run(self) -> None:
        deadline = time.monotonic() + self.give_up_after
        with self.stack.connect() as connection:
            while time.monotonic() < deadline:
                for worker in self.stack.workers:
                    for child in child_pids(worker.pid):
                        if self._killed_inside(connection, child):
                            self._wait_for_replacement(worker.pid, child)
                            return
                time.sleep(0.005)
        self.outcome["killText"] = f"never caught inside a batch in {self.give_up_after} s"

    def _in_transaction(self, connection, pid: int) -> bool:
        ports = _database_ports(pid, self.database_port)
        if not ports:
            return False
        return connection.execute(_OPEN_TRANSACTIONS, [ports]).fetchone() is not None

    def _killed_inside(self, connection, pid: int) -> bool:
        if not self._in_transaction(connection, pid):
            return False
        os.kill(pid, signal.SIGSTOP)
        if not self._in_transaction(connection, pid):
            os.kill(pid, signal.SIGCONT)
            return False
        os.kill(pid, signal.SIGKILL)
        self.outcome["killedInsideBatch"] = True
        return True

    def _wait_for_replacement(self, worker: int, killed: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if [child for child in child_pids(worker) if child != killed]:
                self.outcome["workerBack"] = True
                break
            time.sleep(0.1)
        self.outcome["killText"] = (
            "inside a digest transaction; its worker started a new pool process"
            if self.outcome["workerBack"]
            else "inside a digest transaction; its worker did not start a new pool process"
        )

    def result(self) -> dict:
        self.join()
        return self.outcome


def digest_worker_kill(stack: Stack, *, give_up_after: float) -> DigestWorkerKill:
    """Start watching for a digest to kill; `.result()` says what happened."""
    killer = DigestWorkerKill(stack, give_up_after=give_up_after)
    killer.start()
    return killer
