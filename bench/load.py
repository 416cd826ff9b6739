"""The load generator: closed-loop clients with keep-alive, run apart from the server.

`python -m bench.load --ports 8101,8102 --clients 16 --seconds 20 --out load.json` starts the
clients in two processes (threads within each, so the generator itself is not the bottleneck),
spreads them over the ports (one gunicorn per port), and writes every request's start time,
latency, status, how many items the answer says were stored and the client's number, as JSON.
Scenarios: `batch` (POST /api/telemetry/batch), `errors` (POST /api/errors over `--distinct`
errors), `envelopes` (the Sentry envelope in the file `--envelope` to `--path`, each with its
own event ID), `health` (GET /api/health, the cost of an empty API view), and the raw baseline
of `errors`, straight to PostgreSQL: `statement` (the per-report statement from `--statements`,
a JSON list written by bench/report_sql.py). Clients stop after `--seconds` or as soon as
`--stop-file` exists.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import threading
import time
import uuid

import psycopg

from bench.payloads import ENVELOPE_EVENT_ID, batch_bodies, error_bodies

PATHS = {"batch": "/api/telemetry/batch", "errors": "/api/errors", "health": "/api/health"}


def _running(deadline: float, stop_file: str) -> bool:
    return time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file))


def _client(options: dict, port: int, bodies: list[bytes], offset: int, results: list) -> None:
    scenario, deadline, stop_file = options["scenario"], options["deadline"], options["stop"]
    path = options["path"] or PATHS[scenario]
    method = "GET" if scenario == "health" else "POST"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    rng = random.Random(offset)
    while _running(deadline, stop_file):
        body = bodies[rng.randrange(len(bodies))]
        if scenario == "envelopes":
            # A resent event ID is counted once: every envelope is a new event.
            body = body.replace(ENVELOPE_EVENT_ID.encode(), uuid.uuid4().hex.encode())
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, answer = 0, b""
        latency = time.monotonic() - started
        stored = 0
        if status in (200, 201):
            stored = json.loads(answer).get("recorded", 1)
        results.append((time.time() - latency, latency, status, stored, offset))
    connection.close()


def _statement_client(options: dict, _port: int, statements: list, offset: int, results: list):
    """Replay the service's own statements for random reports, one round trip each."""
    rng = random.Random(offset)
    with psycopg.connect(
        options["database_url"], autocommit=True, cursor_factory=psycopg.ClientCursor
    ) as connection:
        _execute_until_done(
            options,
            results,
            offset,
            lambda: connection.execute(statements[rng.randrange(len(statements))]),
        )


def _execute_until_done(options: dict, results: list, client: int, execute) -> None:
    """Call `execute` (one statement to PostgreSQL) until the run ends, timing each call and
    recording it like an HTTP request of `client`: status 200 and one item stored, or status 0."""
    while _running(options["deadline"], options["stop"]):
        started = time.monotonic()
        try:
            execute()
            status = 200
        except psycopg.Error:
            status = 0
        latency = time.monotonic() - started
        results.append((time.time() - latency, latency, status, int(status == 200), client))


def _process(args: tuple) -> list:
    options, clients, seed, first_client = args
    options = {**options, "deadline": time.monotonic() + options["seconds"]}
    bodies: list[bytes] = []
    if options["scenario"] == "batch":
        bodies = batch_bodies(count=50, events_per_batch=options["events"], seed=seed)
    elif options["scenario"] == "errors":
        bodies = error_bodies(distinct=options["distinct"])
    elif options["scenario"] == "envelopes":
        with open(options["envelope"], "rb") as envelope:
            bodies = [envelope.read()]
    elif options["scenario"] == "health":
        bodies = [None]
    elif options["scenario"] == "statement":
        with open(options["statements"]) as statements:
            bodies = json.load(statements)
    target = _statement_client if options["scenario"] == "statement" else _client
    ports = options["ports"]
    results: list = []
    threads = [
        threading.Thread(
            target=target,
            args=(options, ports[(first_client + n) % len(ports)], bodies, seed * 100 + n, results),
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario",
        choices=["batch", "errors", "envelopes", "health", "statement"],
        default="batch",
    )
    parser.add_argument("--ports", default="0", help="Comma-separated server ports.")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--events", type=int, default=100, help="Events per batch.")
    parser.add_argument("--distinct", type=int, default=10, help="Distinct errors reported.")
    parser.add_argument("--database-url", default="", help="For the raw scenarios.")
    parser.add_argument("--statements", default="", help="For the statement scenario.")
    parser.add_argument("--envelope", default="", help="For the envelopes scenario.")
    parser.add_argument("--path", default="", help="The URL path, if not the scenario's.")
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    shared = {
        "scenario": options.scenario,
        "ports": [int(port) for port in options.ports.split(",")],
        "seconds": options.seconds,
        "events": options.events,
        "distinct": options.distinct,
        "database_url": options.database_url,
        "statements": options.statements,
        "envelope": options.envelope,
        "path": options.path,
        "stop": options.stop_file,
    }
    processes = max(1, min(options.processes, options.clients))
    shares = [
        options.clients // processes + (n < options.clients % processes) for n in range(processes)
    ]
    jobs, first = [], 0
    for n, share in enumerate(shares):
        jobs.append((shared, share, 1000 + n, first))
        first += share
    with multiprocessing.Pool(processes) as pool:
        results = [row for rows in pool.map(_process, jobs) for row in rows]
    with open(options.out, "w") as output:
        json.dump({"requests": results, "clients": options.clients}, output)


if __name__ == "__main__":
    main()
