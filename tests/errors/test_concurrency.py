"""Concurrent reports, digested while they come in, never lose an increment nor split a group
(PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from errors.digest import error_digest
from errors.ingest import error_report
from errors.models import ErrorHourlyCount, ErrorLog, ErrorOccurrence
from errors.serializers import error_report_input

THREADS = 40
REPORTS_PER_THREAD = 25
DISTINCT_ERRORS = 11


@pytest.mark.postgres
def test_error_report__40_threads_over_11_errors_digested_meanwhile_make_11_groups_of_1000(
    transactional_db, on_postgres, settings
):
    # No spike checks: nothing would consume them from the broker during the test.
    settings.ERRORS = {**settings.ERRORS, "SPIKE_MIN_COUNT": 10**9}
    start = threading.Barrier(THREADS)
    failures = []

    def client(number: int):
        try:
            start.wait()
            for index in range(REPORTS_PER_THREAD):
                kind = (number * REPORTS_PER_THREAD + index) % DISTINCT_ERRORS
                error_report(
                    report=error_report_input(
                        {
                            "errorType": f"Error{kind}",
                            # A different ID in every message: normalised away by grouping.
                            "message": f"Order {number * 1000 + index} failed",
                            "userId": f"user{number % 7}",
                            "severity": "warning" if index % 2 else "error",
                        }
                    )
                )
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    reporting = threading.Event()
    digested = []

    def digester():
        try:
            while reporting.is_set():
                digested.append(error_digest(batch_size=50).occurrences)
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    reporting.set()
    digesters = [threading.Thread(target=digester) for _ in range(2)]
    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in digesters + threads:
        thread.start()
    for thread in threads:
        thread.join()
    reporting.clear()
    for thread in digesters:
        thread.join()

    assert failures == []
    # The two digests counted while reports came in; this one counts what they left.
    assert sum(digested) > 0
    digested.append(error_digest().occurrences)
    assert sum(digested) == THREADS * REPORTS_PER_THREAD
    total = THREADS * REPORTS_PER_THREAD
    assert ErrorLog.objects.count() == DISTINCT_ERRORS
    assert ErrorLog.objects.aggregate(total=Sum("frequency"))["total"] == total
    assert ErrorOccurrence.objects.count() == total
    assert ErrorHourlyCount.objects.aggregate(total=Sum("count"))["total"] == total
    assert set(ErrorLog.objects.values_list("severity", flat=True)) == {"error"}
    for error in ErrorLog.objects.all():
        assert error.users_affected == error.affected_users.count() == 7
