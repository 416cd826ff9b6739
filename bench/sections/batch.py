"""Section 1, batch ingest: 100-event batches over HTTP against a raw COPY of the same rows,
the web workers' peak memory while it runs (5), and the scale-out checks: every Celery worker
answers, and the roll-up task sent twice at once counts every raw event once."""

import time

from bench.measure import latency_summary, run_load, run_load_with_cpu
from bench.report import Target, cpu_text, exact, spread_text
from bench.sections import BENCH_EVENTS, EVENT_COLUMNS, EVENT_TABLE, rolled_up_events
from bench.stack import RssSampler, Stack, log


def batch_section(stack: Stack, *, clients: int, seconds: float) -> tuple[dict, float]:
    """Run batch ingest while sampling the web workers' memory; return the section's results
    (rollup_check adds the roll-up's later) and when ingest ended."""
    sampler = RssSampler(stack)
    sampler.start()
    log(f"section 1: batch ingest, {clients} clients, {len(stack.ports)} web masters")
    batch = batch_ingest(stack, clients=clients, seconds=seconds)
    ingest_ended = time.time()
    sampler.running = False
    sampler.join()
    return {
        "batchIngest": batch,
        "webWorkerPeakRssMB": round(sampler.peak_kib / 1024, 1),
        "rssSamples": sampler.samples,
        "scaleOut": {
            "webProcesses": len(stack.ports),
            "celeryWorkersAnswering": stack.celery_ping(),
            "celeryWorkersStarted": len(stack.workers),
        },
    }, ingest_ended


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


def rollup_check(stack: Stack, *, ingest_ended: float) -> dict:
    """Send the roll-up task twice at once to the two Celery workers; the roll-ups must count
    every raw event before the roll-up point exactly once."""
    log("scale-out: the roll-up task twice at once on two Celery workers")
    # Roll-ups leave the last 30 s to raw reads; section 1's events must be older.
    time.sleep(max(0.0, ingest_ended + 31 - time.time()))
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
    return {
        "rolledUpUntil": str(until),
        "rawEvents": raw,
        "rolledUpEvents": rolled_up_events(stack),
    }


def targets(results: dict) -> list[Target]:
    """Return section 1's targets."""
    batch, scale = results["batchIngest"], results["scaleOut"]
    raw = scale["rollup"]["rawEvents"]
    return [
        Target("batch ingest vs raw COPY", batch["ratioToRawCopy"], ">=", 0.20, decimals=2),
        Target("batch ingest p99 (ms)", batch["p99Ms"], "<=", 100),
        exact("batch ingest non-2xx", batch["non2xx"], 0),
        exact(
            "batch ingest lost events", batch["eventsLost"], 0, measured=batch["eventsStored"] > 0
        ),
        Target("web worker peak RSS (MB)", results["webWorkerPeakRssMB"], "<=", 150),
        exact(
            "Celery workers answering",
            scale["celeryWorkersAnswering"],
            scale["celeryWorkersStarted"],
        ),
        exact(
            "roll-ups (2 workers) count raw once",
            scale["rollup"]["rolledUpEvents"],
            raw,
            measured=bool(raw),
        ),
    ]


def ingest_lines(results: dict) -> list[str]:
    """Return the report's lines on batch ingest."""
    batch = results["batchIngest"]
    return [
        f"1. batch ingest: {batch['eventsPerSecond']} events/s over {batch['seconds']}s "
        f"({batch['requests']} requests of 100 events, {batch['clients']} clients), "
        f"p50 {batch['p50Ms']} ms, p99 {batch['p99Ms']} ms, non-2xx {batch['non2xx']}, "
        f"accepted {batch['eventsAccepted']}, stored {batch['eventsStored']}",
        f"   {spread_text(batch)}",
        f"   raw COPY of the same {batch['rawCopyRows']} rows: "
        f"{batch['rawCopyRowsPerSecond']} rows/s; ratio {batch['ratioToRawCopy']}",
        f"   CPU ms per 100-event batch: {cpu_text(batch['cpuMsPerBatch'])}",
    ]


def scale_out_lines(results: dict) -> list[str]:
    """Return the report's lines on memory (5) and scale-out."""
    scale = results["scaleOut"]
    rollup = scale["rollup"]
    return [
        f"5. web worker peak RSS: {results['webWorkerPeakRssMB']} MB",
        f"scale-out: {scale['webProcesses']} gunicorn masters, "
        f"{scale['celeryWorkersAnswering']}/{scale['celeryWorkersStarted']} Celery workers "
        "answering; no lost events is checked across all web processes",
        f"   roll-up task sent twice at once: {rollup['rolledUpEvents']} events in roll-ups, "
        f"{rollup['rawEvents']} raw events before {rollup['rolledUpUntil']}",
    ]
