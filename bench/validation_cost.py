"""Print, as JSON, the per-event cost of validating realistic events both ways (µs)."""

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from bench.payloads import batch_bodies  # noqa: E402
from telemetry.serializers import validate_events  # noqa: E402
from telemetry.validation import events_validate  # noqa: E402


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


def main() -> None:
    batches = [
        json.loads(body)["events"] for body in batch_bodies(count=20, events_per_batch=100, seed=7)
    ]
    serializer = best_microseconds_per_event(validate_events, batches)
    fast = best_microseconds_per_event(lambda batch: events_validate(events=batch), batches)
    print(
        json.dumps(
            {
                "events": sum(len(batch) for batch in batches),
                "serializerMicroseconds": serializer,
                "fastMicroseconds": fast,
                "speedup": round(serializer / fast, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
