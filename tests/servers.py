"""Real local servers the tests talk to: a free port, a webhook receiver that fails on cue, and
the address of the test database for server processes the tests start."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.db import connection


def free_port() -> int:
    """Return a local TCP port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """Return the URL of the test database, so a server process writes where the test reads."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


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


def child_pids(pid: int) -> list[int]:
    """Return the pids of the children of process `pid` (a gunicorn master's workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in children.split()]
