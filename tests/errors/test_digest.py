"""The digest counts every reported occurrence exactly once: with several digests racing, after
a digest is killed or loses its database connection mid-batch, after a web worker is killed
mid-storm, for one hot group under 50 concurrent clients, and through a stale group cache."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection, HTTPException
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from errors import ingest
from errors.digest import error_digest, error_pending_count
from errors.ingest import error_report
from errors.models import ErrorAffectedUser, ErrorHourlyCount, ErrorLog, ErrorOccurrence
from errors.serializers import error_report_input
from tests.servers import child_pids, database_url

ROOT = Path(__file__).resolve().parents[2]


def _report(kind: int, number: int, **fields):
    return error_report(
        report=error_report_input(
            {
                "errorType": f"Error{kind}",
                # A different ID in every message: normalised away by grouping.
                "message": f"Order {number} failed",
                "userId": f"user{number % 7}",
                **fields,
            }
        )
    )


def _assert_counted_exactly(total: int, groups: int):
    assert error_pending_count() == 0
    assert ErrorLog.objects.count() == groups
    assert ErrorLog.objects.aggregate(total=Sum("frequency"))["total"] == total
    assert ErrorHourlyCount.objects.aggregate(total=Sum("count"))["total"] == total
    for error in ErrorLog.objects.all():
        assert error.frequency == error.occurrences.count()
        assert error.users_affected == ErrorAffectedUser.objects.filter(error=error).count()
        users = {o.user_id for o in error.occurrences.all() if o.user_id}
        assert error.users_affected == len(users)


@pytest.fixture
def quiet_spikes(settings):
    # No spike alerts: they are not what these tests count.
    settings.ERRORS = {**settings.ERRORS, "SPIKE_MIN_COUNT": 10**9}


def test_digest__reports_are_durable_at_once_and_counted_by_the_digest(db, quiet_spikes):
    first = _report(1, 1)
    second = _report(1, 2)
    assert first.created and not second.created and first.error_id == second.error_id
    error = ErrorLog.objects.get(pk=first.error_id)
    assert (error.frequency, ErrorOccurrence.objects.count(), error_pending_count()) == (0, 2, 2)

    assert error_digest().occurrences == 2
    error.refresh_from_db()
    assert (error.frequency, error.users_affected, error_pending_count()) == (2, 2, 0)
    assert error_digest().occurrences == 0


@pytest.mark.postgres
def test_digest__four_digests_racing_count_each_occurrence_once(
    transactional_db, on_postgres, quiet_spikes
):
    for number in range(600):
        _report(number % 5, number)
    start = threading.Barrier(4)
    counted, failures = [], []

    def digester():
        try:
            start.wait()
            counted.append(error_digest(batch_size=40).occurrences)
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=digester) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sum(counted) == 600
    # Each digest took a share: they ran side by side, not one after the other.
    assert len([share for share in counted if share]) >= 2
    _assert_counted_exactly(600, groups=5)


# Runs in a child process: a digest that stops inside its batch's transaction, after it has
# claimed its marks and written the counts, until it is killed.
_STALLED_DIGEST = """
import os, sys, time
import django
django.setup()
from errors import digest
def stall(*args, **kwargs):
    open(sys.argv[1], "w").close()
    time.sleep(60)
digest._spikes_check = stall
digest.error_digest(batch_size=1000)
"""


@contextlib.contextmanager
def _digest_stalled_in_its_batch(scratch: Path):
    """Run a digest in a child process; yield the child once it is inside its batch's
    transaction (counts written, marks deleted, nothing committed); kill it on the way out."""
    ready = scratch / "in-batch"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    child = subprocess.Popen([sys.executable, "-c", _STALLED_DIGEST, str(ready)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, "the digest process ended before its batch"
            assert time.monotonic() < deadline, "the digest process never reached its batch"
            time.sleep(0.05)
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)


def _assert_nothing_of_the_batch_counted_then_all_of_it(total: int, groups: int):
    # Nothing of the lost batch is visible: not its counts, not the deletion of its marks.
    assert ErrorLog.objects.aggregate(total=Sum("frequency"))["total"] == 0
    assert error_pending_count() == total
    assert error_digest().occurrences == total
    _assert_counted_exactly(total, groups=groups)


def test_digest__a_digest_killed_mid_batch_leaves_every_occurrence_for_the_next(
    transactional_db, quiet_spikes, tmp_path
):
    for number in range(300):
        _report(number % 3, number)
    with _digest_stalled_in_its_batch(tmp_path) as child:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    _assert_nothing_of_the_batch_counted_then_all_of_it(300, groups=3)


@pytest.mark.postgres
def test_digest__a_digest_whose_database_connection_is_cut_mid_batch_leaves_it_for_the_next(
    transactional_db, on_postgres, quiet_spikes, tmp_path
):
    for number in range(300):
        _report(number % 3, number)
    with _digest_stalled_in_its_batch(tmp_path), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state = 'idle in transaction'"
        )
        assert [terminated for (terminated,) in cursor.fetchall()] == [True]
    _assert_nothing_of_the_batch_counted_then_all_of_it(300, groups=3)


def test_digest__a_web_worker_killed_mid_storm_loses_no_acknowledged_report(
    transactional_db, quiet_spikes, gunicorn_server
):
    port = gunicorn_server(env={"ERRORS_RATE_LIMIT": "1000000"})
    acknowledged, stop = [], threading.Event()

    def client(number: int):
        http = HTTPConnection("127.0.0.1", port, timeout=10)
        index = 0
        while not stop.is_set():
            index += 1
            body = json.dumps({"errorType": "StormError", "message": f"Order {index} failed"})
            try:
                http.request("POST", "/api/errors", body, {"Content-Type": "application/json"})
                response = http.getresponse()
                response.read()
                if response.status in (200, 201):
                    acknowledged.append(number)
            except (OSError, HTTPException):
                http.close()
                http = HTTPConnection("127.0.0.1", port, timeout=10)
        http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    before_kill = len(acknowledged)
    workers = child_pids(gunicorn_server.masters[port])
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    # gunicorn's master starts a new worker; the clients reconnect and go on.
    deadline = time.monotonic() + 30
    while len(acknowledged) < before_kill + 20:
        assert time.monotonic() < deadline, "no report was answered after the worker was killed"
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join()

    assert before_kill > 0 and workers
    error_digest()
    # Every acknowledged report is counted; one more may be, whose answer the kill cut off.
    counted = ErrorLog.objects.aggregate(total=Sum("frequency"))["total"]
    assert len(acknowledged) <= counted <= len(acknowledged) + len(threads)
    _assert_counted_exactly(counted, groups=1)


@pytest.mark.postgres
def test_digest__one_hot_group_under_50_concurrent_clients(
    transactional_db, on_postgres, quiet_spikes
):
    clients, reports_each = 50, 8
    start = threading.Barrier(clients)
    answers, failures = [], []

    def client(number: int):
        try:
            http = Client()
            start.wait()
            for index in range(reports_each):
                body = {"errorType": "HotError", "message": f"Order {number}-{index} failed"}
                response = http.post(
                    "/api/errors",
                    data=json.dumps(body),
                    content_type="application/json",
                    REMOTE_ADDR=f"10.0.{number}.1",
                )
                answers.append((response.status_code, response.json()))
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    total = clients * reports_each
    assert sorted(status for status, _ in answers) == [200] * (total - 1) + [201]
    assert len({answer["errorId"] for _, answer in answers}) == 1
    assert [answer["duplicate"] for status, answer in answers if status == 201] == [False]
    error_digest()
    _assert_counted_exactly(total, groups=1)


def test_digest__a_stale_group_cache_never_misfiles_or_loses_a_report(db, quiet_spikes):
    first = _report(1, 1)
    # The group is deleted (by staff, or the purge) while this process still knows its ID.
    ErrorLog.objects.filter(pk=first.error_id).delete()
    again = _report(1, 2)
    assert again.created and again.error_id != first.error_id

    # The cached ID now belongs to another error's group (SQLite reuses the IDs of rolled-back
    # rows): the report still goes to a group of its own fingerprint.
    other = _report(2, 3)
    fingerprint = ErrorLog.objects.get(pk=again.error_id).fingerprint
    ingest._group_ids.remember((1, fingerprint), other.error_id)
    third = _report(1, 4)
    assert third.error_id == again.error_id and not third.created

    error_digest()
    counts = dict(ErrorLog.objects.values_list("error_type", "frequency"))
    assert counts == {"Error1": 2, "Error2": 1}
    assert ErrorOccurrence.objects.count() == 3


def test_digest__a_report_made_before_a_resolution_and_counted_after_it_does_not_reopen(
    db, quiet_spikes
):
    from errors.services import error_status_set

    reported = _report(1, 1, buildId="v1")
    error_digest()
    _report(1, 2, buildId="v2")
    # Resolved before the digest counted the v2 report, which was made before the resolution.
    error_status_set(error_ids=[reported.error_id], status="resolved", source="in a test")
    error_digest()
    error = ErrorLog.objects.get(pk=reported.error_id)
    assert (error.status, error.frequency) == ("resolved", 2)

    _report(1, 3, buildId="v3")
    error_digest()
    error.refresh_from_db()
    assert (error.status, error.resolved, error.frequency) == ("regressed", False, 3)
