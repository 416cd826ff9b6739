"""Fixtures of the alerts tests: a real local webhook receiver that can fail on cue, a closed
port, in-process Celery and a staff admin client."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from config.celery import app as celery_app


class ScriptedReceiver:
    """A local HTTP receiver whose next answers are scripted: "ok", "500" or "hang" (read the
    request and never answer); `refuse()` closes its port and `reopen()` opens the same one.

    Once the script is used up it answers "ok". `accepted` holds the documents it answered
    2xx to, `requests` counts every request that reached it.
    """

    def __init__(self):
        self.script: list[str] = []
        self.accepted: list[dict] = []
        self.requests = 0
        self._release = threading.Event()
        self._server = None
        self.port = None
        self._serve()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    def _serve(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests += 1
                answer = receiver.script.pop(0) if receiver.script else "ok"
                if answer == "hang":
                    receiver._release.wait(timeout=30)
                    return
                if answer == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.accepted.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def refuse(self):
        """Close the port: connections to it are refused until `reopen()`."""
        self._server.shutdown()
        self._server.server_close()

    def reopen(self):
        """Listen again on the same port."""
        self._serve()

    def close(self):
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver(settings):
    """A scripted webhook receiver set as ALERT_WEBHOOK_URL, with a 1 s webhook timeout."""
    scripted = ScriptedReceiver()
    settings.ALERT_WEBHOOK_URL = scripted.url
    settings.ALERT_EMAILS = []
    settings.ALERTS = {**settings.ALERTS, "WEBHOOK_TIMEOUT_SECONDS": 1}
    yield scripted
    scripted.close()


@pytest.fixture
def closed_port():
    """Return a local TCP port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def celery_in_process():
    """Run tasks in the test process when they are enqueued (this test only)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def admin_client_logged_in(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client
