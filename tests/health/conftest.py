"""Fixtures of the health tests: a local alert receiver, a closed port and a hung port."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from health import probes


@pytest.fixture
def alert_receiver(settings):
    """Receive alert webhooks on a local HTTP server; yield the list of received documents."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    settings.ALERT_EMAILS = []
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    """Return a local TCP port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def hung_port():
    """Return a local TCP port that accepts connections and never answers (a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def process_started_long_ago(monkeypatch):
    """Pretend this process has run for a day, so overdue periodic checks count as stale."""
    monkeypatch.setattr(probes, "PROCESS_STARTED_AT", probes.PROCESS_STARTED_AT - timedelta(days=1))
