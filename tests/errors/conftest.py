"""Fixtures of the errors tests: report helpers, a local HTTP receiver, in-process Celery."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config.celery import app as celery_app

URL = "/api/errors"
# The report the seed documents for POST /api/errors.
SEED_EXAMPLE = {
    "errorType": "TypeError",
    "message": "Cannot read property 'id' of undefined",
    "stack": "Error: ...",
    "page": "/profile",
    "severity": "error",
    "userId": "user_123",
    "sessionId": "session_abc",
    "metadata": {"componentStack": "at ProfilePage..."},
}


def report(client, body, **extra):
    """POST one error report as JSON."""
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def http_receiver():
    """Serve a local HTTP endpoint that records every POST; yield its base URL and the list."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def celery_in_process():
    """Run tasks in the test process when they are enqueued (this test only)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
