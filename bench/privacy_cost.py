"""Print, as JSON, what privacy scrubbing costs in process on the largest bodies the service
accepts, as milliseconds and as a ratio to json.loads of the same body in the same run.

Bodies: a 1 MiB telemetry batch whose metadata strings are adversarial shapes (the issue's
`a-a-a-…` among them), the largest error report POST /api/errors accepts (every field at its
limit: a 64 000-character stack, 83 KB; the 256 KiB body cap leaves the rest to keys it
ignores), and a 1 MiB Sentry event; each also in a "dense" variant made of nothing but
findings (e-mail and IP addresses, phone and card numbers), where every finding costs a
replacement. Also the scrubbing of realistic
batches, per event, the hot path's number.
"""

import json
import os
import random
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from bench.internals import (  # noqa: E402
    error_report_input,
    error_report_values,
    event_to_error_report,
    scrub_data,
    scrub_identifier,
    scrub_text,
    scrub_url,
)
from bench.payloads import batch_bodies  # noqa: E402

MiB = 1024 * 1024
# The shapes that made the old patterns backtrack, and half-finished findings of each rule.
ADVERSARIAL = [
    "a-",
    "a",
    "1",
    "=",
    "token=",
    "a.",
    "a@",
    "1.",
    "a:",
    "+1",
    "Bearer ",
    "eyJ.",
    "password-",
    "1 ",
]
DENSE = ["ann@x.io ", "10.0.0.1 ", "+14155552671 ", "4111111111111111 "]


def _fill(shapes: list[str], length: int, index: int) -> str:
    shape = shapes[index % len(shapes)]
    return (shape * (length // len(shape) + 1))[:length]


def telemetry_batch(shapes: list[str]) -> bytes:
    """Return a batch of 100 events, each with close to 8 KB of metadata strings, under 1 MiB."""
    events = []
    for number in range(100):
        metadata = {f"k{slot}": _fill(shapes, 990, number + slot) for slot in range(8)}
        events.append(
            {
                "type": "action",
                "page": "/" + _fill(shapes, 1000, number),
                "action": _fill(shapes, 200, number),
                "userAgent": _fill(shapes, 1000, number + 1),
                "sessionId": _fill(shapes, 128, number + 2),
                "metadata": metadata,
            }
        )
    body = json.dumps({"events": events}).encode()
    assert len(body) <= MiB, len(body)
    return body


def error_report(shapes: list[str]) -> bytes:
    """Return an error report with every field at its limit: a 64 000-character stack, a
    10 000-character message and 8 KB of metadata."""
    report = {
        "errorType": _fill(shapes, 200, 0),
        "message": _fill(shapes, 10_000, 1),
        "stack": _fill(shapes, 64_000, 2),
        "page": "/" + _fill(shapes, 2000, 3),
        "userAgent": _fill(shapes, 1000, 4),
        "metadata": {f"k{slot}": _fill(shapes, 990, slot) for slot in range(8)},
    }
    body = json.dumps(report).encode()
    assert len(body) <= 256 * 1024, len(body)
    return body


def sentry_event(shapes: list[str]) -> bytes:
    """Return a Sentry event under 1 MiB: long exception value, 100 long frames, tags."""
    frames = [
        {
            "filename": "/" + _fill(shapes, 300, slot),
            "function": _fill(shapes, 100, slot + 1),
            "lineno": slot,
            "context_line": _fill(shapes, 8000, slot + 2),
        }
        for slot in range(100)
    ]
    event = {
        "message": _fill(shapes, 50_000, 0),
        "exception": {
            "values": [
                {
                    "type": "Error",
                    "value": _fill(shapes, 50_000, 1),
                    "stacktrace": {"frames": frames},
                }
            ]
        },
        "request": {"url": "https://a.io/" + _fill(shapes, 4000, 2)},
        "tags": {_fill(shapes, 50, slot): _fill(shapes, 150, slot) for slot in range(40)},
        "release": _fill(shapes, 128, 3),
        "environment": _fill(shapes, 64, 4),
    }
    body = json.dumps(event).encode()
    assert len(body) <= MiB, len(body)
    return body


def scrub_batch(document: dict) -> None:
    """Scrub every field of every event as telemetry.services.event_batch_record does."""
    for event in document["events"]:
        scrub_url(event["page"])
        scrub_text(event["action"], max_length=200)
        scrub_text(event["userAgent"], max_length=512)
        scrub_identifier(event["sessionId"])
        scrub_data(event["metadata"])


def scrub_report(document: dict) -> None:
    """Scrub and group a report as errors.ingest.error_report does before its one query."""
    error_report_values(report=error_report_input(document))


def scrub_sentry(document: dict) -> None:
    """Map a Sentry event to a report, then scrub and group it."""
    error_report_values(report=event_to_error_report(document))


def best_seconds(function, argument, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        function(argument)
        best = min(best, time.process_time() - started)
    return best


def measure(body: bytes, scrub, rounds: int) -> dict:
    """Return the cost of json.loads(body) and of scrubbing what it decodes to."""
    parse = best_seconds(json.loads, body, rounds)
    scrubbing = best_seconds(scrub, json.loads(body), rounds)
    return {
        "bodyBytes": len(body),
        "jsonLoadsMs": round(parse * 1000, 2),
        "scrubMs": round(scrubbing * 1000, 2),
        "ratioToJsonLoads": round(scrubbing / parse, 2),
    }


def realistic_microseconds_per_event(rounds: int = 5) -> float:
    """Return the scrubbing cost per event of realistic batches, caches as warm as in a worker."""
    rng = random.Random(3)
    documents = [json.loads(body) for body in batch_bodies(count=20, events_per_batch=100, seed=7)]
    for document in documents:
        for event in document["events"]:
            event.setdefault("action", "")
            event["sessionId"] = event["sessionId"] + str(rng.random())
    events = sum(len(document["events"]) for document in documents)
    best = min(
        best_seconds(lambda docs: [scrub_batch(doc) for doc in docs], documents, 1)
        for _ in range(rounds)
    )
    return round(best / events * 1e6, 2)


def main() -> None:
    rounds = int(os.environ.get("BENCH_PRIVACY_ROUNDS", "5"))
    bodies = {
        "telemetryBatch1MiB": (telemetry_batch, scrub_batch),
        "errorReportLargest": (error_report, scrub_report),
        "sentryEvent1MiB": (sentry_event, scrub_sentry),
    }
    results = {}
    for name, (build, scrub) in bodies.items():
        results[name] = measure(build(ADVERSARIAL), scrub, rounds)
        results[name + "Dense"] = measure(build(DENSE), scrub, rounds)
    results["realisticMicrosecondsPerEvent"] = realistic_microseconds_per_event()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
