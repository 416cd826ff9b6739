"""The load generator: closed-loop HTTP clients with keep-alive, run apart from the server.

`python -m bench.load --ports 8101,8102 --clients 16 --seconds 20 --out load.json` starts the
clients in two processes (threads within each, so the generator itself is not the bottleneck),
spreads them over the ports (one gunicorn per port), and writes every request's start time,
latency, status and the `recorded` count of its answer as JSON.
"""

import argparse
import http.client
import json
import multiprocessing
import threading
import time

from bench.payloads import batch_bodies

PATH = "/api/telemetry/batch"


def _client(port: int, bodies: list[bytes], deadline: float, offset: int, results: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    index = offset
    while time.monotonic() < deadline:
        body = bodies[index % len(bodies)]
        index += 1
        started = time.monotonic()
        try:
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, answer = 0, b""
        latency = time.monotonic() - started
        recorded = 0
        if status == 200:
            recorded = json.loads(answer).get("recorded", 0)
        results.append((time.time(), latency, status, recorded))
    connection.close()


def _process(args: tuple) -> list:
    ports, clients, seconds, events_per_batch, seed, first_client = args
    bodies = batch_bodies(count=50, events_per_batch=events_per_batch, seed=seed)
    deadline = time.monotonic() + seconds
    results: list = []
    threads = [
        threading.Thread(
            target=_client,
            args=(ports[(first_client + n) % len(ports)], bodies, deadline, n * 7, results),
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
    parser.add_argument("--ports", required=True, help="Comma-separated server ports.")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--events", type=int, default=100, help="Events per batch.")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    ports = [int(port) for port in options.ports.split(",")]
    processes = max(1, min(options.processes, options.clients))
    shares = [
        options.clients // processes + (n < options.clients % processes) for n in range(processes)
    ]
    jobs, first = [], 0
    for n, share in enumerate(shares):
        jobs.append((ports, share, options.seconds, options.events, 1000 + n, first))
        first += share
    with multiprocessing.Pool(processes) as pool:
        results = [row for rows in pool.map(_process, jobs) for row in rows]
    with open(options.out, "w") as output:
        json.dump({"requests": results, "clients": options.clients}, output)


if __name__ == "__main__":
    main()
