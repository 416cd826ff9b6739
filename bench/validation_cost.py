"""Print, as JSON, the cost of validating realistic telemetry events and error reports both
ways (µs per event, per report): the DRF serializer and the fast validator."""

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from bench.internals import (  # noqa: E402
    ErrorReportSerializer,
    events_validate,
    report_validate,
    validate_events,
)
from bench.payloads import batch_bodies, error_bodies  # noqa: E402


def best_microseconds_per_event(validate, batches: list[list], rounds: int = 5) -> float:
    """Return the best of `rounds` timings of validating every batch, per event."""
    events = sum(len(batch) for batch in batches)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for batch in batches:
            validate(batch)
        best = min(best, time.perf_counter() - started)
    return round(best / events * 1e6, 1)


def one_by_one(validate):
    """Return a function validating each report of a list with `validate`."""

    def validate_each(reports: list) -> None:
        for report in reports:
            validate(report)

    return validate_each


def serializer_validate_report(report: dict) -> dict:
    """Validate one report as POST /api/errors did before it had a fast validator."""
    serializer = ErrorReportSerializer(data=report)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def main() -> None:
    batches = [
        json.loads(body)["events"] for body in batch_bodies(count=20, events_per_batch=100, seed=7)
    ]
    serializer = best_microseconds_per_event(validate_events, batches)
    fast = best_microseconds_per_event(lambda batch: events_validate(events=batch), batches)
    reports = [json.loads(body) for body in error_bodies(distinct=2000)]
    if any(report_validate(report) is None for report in reports):
        raise SystemExit("report_validate refuses a benchmark report; the timing would lie.")
    report_serializer = best_microseconds_per_event(
        one_by_one(serializer_validate_report), [reports]
    )
    report_fast = best_microseconds_per_event(one_by_one(report_validate), [reports])
    print(
        json.dumps(
            {
                "events": sum(len(batch) for batch in batches),
                "serializerMicroseconds": serializer,
                "fastMicroseconds": fast,
                "speedup": round(serializer / fast, 1),
                "errorReports": len(reports),
                "errorSerializerMicroseconds": report_serializer,
                "errorFastMicroseconds": report_fast,
                "errorSpeedup": round(report_serializer / report_fast, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
