"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py config.wsgi`.

Sized for a small host (2 cores): ingestion is CPU-bound Python (JSON, validation, scrubbing),
so one process per core plus one keeps both cores busy while another waits on PostgreSQL,
and two threads per process overlap database round trips without a GIL fight. Every value
can be overridden from the environment; see docs/performance.md for the measurements.

Behind a load balancer that keeps connections open, run several of these with
WEB_CONCURRENCY=1 GUNICORN_THREADS=1, one port each, as separate upstreams: a keep-alive
connection stays with the worker that accepted it, workers of one master accept unevenly, and
threads of one worker wait for each other's Python work (README, "Performance").
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# gthread with a bound on the time a request may take to arrive (config/gunicorn_worker.py):
# a client that sends less than its Content-Length, or trickles its headers, is cut off.
worker_class = "config.gunicorn_worker.DeadlineThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Seconds from a request's first byte until its headers, and its body, must have arrived; the
# body's bound allows an 8 MB feedback upload at about 2 Mbit/s. Behind a proxy that buffers
# bodies (README, "Production deployment") they arrive at once and these never bite.
header_timeout = float(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10"))
body_timeout = float(os.environ.get("GUNICORN_BODY_TIMEOUT", "30"))
# Seconds writing one response may take (a client that does not read holds a thread too).
send_timeout = float(os.environ.get("GUNICORN_SEND_TIMEOUT", "30"))
# Browsers and SDKs send batches back to back: keep connections open between them.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Load Django once in the master; workers share its pages copy-on-write (less RSS, fast start).
preload_app = True
# Recycle workers now and then so a slow leak can never grow a worker past its memory budget.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
backlog = 512
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Give each worker the arrival deadlines above (they are not gunicorn settings)."""
    worker.header_timeout = header_timeout
    worker.body_timeout = body_timeout
    worker.send_timeout = send_timeout
