"""Record the service's own API requests as `api_call` events, so metrics show our latency.

Each sampled request under /api/ becomes one event of the project `self` (so it never mixes
with an application's metrics): `page` is the route template
(`/api/errors/<int:pk>`, never the raw URL), `action` the HTTP method, `duration` the time spent
in the view and the middleware below this one (ms), `metadata.status` the status code. Requests
that match no route and public ingestion (common.middleware.is_public_ingest: its volume is the
clients', and an error storm would add one event per report) are not recorded. Events are
buffered in memory and written in bulk by a background thread, so recording adds no query to
the request and a failing write never fails a request.
"""

import atexit
import logging
import os
import random
import threading
import time

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.middleware import is_public_ingest
from projects.selectors import project_self_id
from telemetry.models import EventType, TelemetryEvent

logger = logging.getLogger(__name__)


class SelfTelemetryBuffer:
    """Events waiting to be written, and the thread that writes them every few seconds."""

    def __init__(self):
        self._lock = threading.Lock()
        self._events: list[TelemetryEvent] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None
        self._stopping = False
        self.dropped = 0
        self.written = 0

    def add(self, event: TelemetryEvent) -> None:
        """Queue `event`; drop it when the buffer is full (the database is not keeping up)."""
        config = settings.TELEMETRY
        with self._lock:
            if len(self._events) >= config["SELF_BUFFER_MAX"]:
                self.dropped += 1
                return
            self._events.append(event)
            half_full = len(self._events) >= config["SELF_BUFFER_MAX"] // 2
        if config["SELF_FLUSH_SECONDS"] > 0:
            self._ensure_flusher()
            if half_full:
                self._wake.set()

    def flush(self) -> int:
        """Write the queued events in one bulk insert; return how many were written."""
        with self._lock:
            events, self._events = self._events, []
        if not events:
            return 0
        try:
            TelemetryEvent.objects.bulk_create(events)
        except Exception:
            logger.exception("Could not write %d self-telemetry events; dropped.", len(events))
            return 0
        self.written += len(events)
        return len(events)

    def stop(self) -> None:
        """Stop the background thread, if any, and write what is left."""
        thread = self._thread
        if thread and thread.is_alive() and self._thread_pid == os.getpid():
            self._stopping = True
            self._wake.set()
            thread.join(timeout=10)
            self._stopping = False
        self._thread = None
        self.flush()

    def clear(self) -> None:
        """Forget the queued events."""
        with self._lock:
            self._events = []

    def _ensure_flusher(self) -> None:
        # A forked worker (gunicorn) inherits the buffer but not the thread: start its own.
        if self._thread and self._thread.is_alive() and self._thread_pid == os.getpid():
            return
        with self._lock:
            if self._thread and self._thread.is_alive() and self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, name="self-telemetry-flusher", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(timeout=settings.TELEMETRY["SELF_FLUSH_SECONDS"] or 5.0)
            self._wake.clear()
            self.flush()
            connection.close()


self_telemetry_buffer = SelfTelemetryBuffer()
atexit.register(self_telemetry_buffer.stop)


class SelfTelemetryMiddleware:
    """Time each API request and queue a sample of them as api_call events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        try:
            self._record(request, response, time.perf_counter() - started)
        except Exception:
            logger.exception("Could not record the request as an api_call event.")
        return response

    def _record(self, request, response, elapsed: float) -> None:
        config = settings.TELEMETRY
        match = request.resolver_match
        if (
            not config["ENABLED"]
            or not request.path.startswith("/api/")
            or match is None
            or is_public_ingest(request)
            or random.random() >= config["SELF_SAMPLE_RATE"]
        ):
            return
        self_telemetry_buffer.add(
            TelemetryEvent(
                project_id=project_self_id(),
                type=EventType.API_CALL,
                page="/" + match.route,
                action=request.method,
                duration=round(elapsed * 1000),
                metadata={"status": response.status_code},
                platform="server",
                created_at=timezone.now(),
            )
        )
