"""gunicorn's threaded worker with a bound on the time a request may take to arrive.

The stock gthread worker reads a request's headers and body with blocking reads that never
time out, and keeps a connection that has not sent anything yet forever. So a client that
declares a larger Content-Length than it sends, or trickles its headers, holds a thread
until it gives up, and a few dozen such connections starve every other request.

This worker measures from the moment a request's first bytes are readable (the poller sees
them, before the request waits for a thread):

- its headers must have arrived within `header_timeout` seconds, its body within
  `body_timeout` seconds; a read that would block past that raises RequestReadTimeout and the
  connection is closed (Django answers 408 when the body was being read for a view);
- bytes that have already arrived are always read, however long the request waited for a
  thread, so a queue of slow clients is cut at once when threads come free and the complete
  requests behind them are answered;
- a new connection that sends nothing for `header_timeout` seconds is closed;
- writing the response may take at most `send_timeout` seconds;
- what gunicorn refuses itself, before Django sees the request (a request line or headers
  over its limits, a malformed header), is answered in the API's error shape, not as HTML.

gunicorn.conf.py sets the three numbers.
"""

import errno
import json
import selectors
import socket
import time
from functools import partial

from django.http import UnreadablePostError
from gunicorn import util
from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import TConn, ThreadWorker


def write_error_json(sock, status_int: int, reason: str, mesg: str) -> None:
    """Write gunicorn's refusal of a malformed request in the error shape, as every /api/
    answer is; the request's path may not even have been read, so every refusal is JSON."""
    sentence = f"{reason}: {mesg[:200]}." if mesg else f"{reason}."
    body = json.dumps({"success": False, "error": sentence, "details": {}}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


# gunicorn's workers write their refusals through util.write_error; this module is imported
# only by processes that run DeadlineThreadWorker.
util.write_error = write_error_json


class RequestReadTimeout(NoMoreData, UnreadablePostError):
    """The request did not arrive in time.

    gunicorn closes the connection quietly on NoMoreData; Django reports a body it cannot
    read as UnreadablePostError, which the project answers with 408.
    """

    def __str__(self):
        return "The request did not arrive in time."


class DeadlineSocket(socket.socket):
    """A client socket whose reads wait no later than the current request's deadline."""

    arrived_at = 0.0
    deadline: float | None = None
    send_timeout = None
    timed_out = False

    @classmethod
    def adopt(cls, sock: socket.socket) -> "DeadlineSocket":
        """Return `sock` as a DeadlineSocket (same file descriptor, same connection)."""
        timeout = sock.gettimeout()
        adopted = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        adopted.settimeout(timeout)
        return adopted

    def recv(self, bufsize, flags=0):
        """Read what has arrived; wait for more only until the deadline."""
        if self.deadline is None:
            self.settimeout(None)
        else:
            self.settimeout(max(0.0, self.deadline - time.monotonic()))
        try:
            return super().recv(bufsize, flags)
        except (BlockingIOError, TimeoutError):
            self.timed_out = True
            raise RequestReadTimeout() from None

    def send(self, data, flags=0):
        self.settimeout(self.send_timeout)
        return super().send(data, flags)

    def sendall(self, data, flags=0):
        self.settimeout(self.send_timeout)
        return super().sendall(data, flags)

    def sendfile(self, file, offset=0, count=None):
        self.settimeout(self.send_timeout)
        return super().sendfile(file, offset, count)


class DeadlineThreadWorker(ThreadWorker):
    """The gthread worker, with the deadlines described in this module's docstring."""

    header_timeout = 10.0
    body_timeout = 30.0
    send_timeout = 30.0

    def accept(self, server, listener):
        try:
            sock, client = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = TConn(self.cfg, DeadlineSocket.adopt(sock), client, server)
        conn.sock.send_timeout = self.send_timeout
        # A connection that sends nothing is closed like an idle keep-alive one. The queue is
        # then not quite in timeout order; murder_keepalived closes each at most
        # header_timeout late.
        conn.timeout = time.time() + self.header_timeout
        self.nr_conns += 1
        with self._lock:
            self._keep.append(conn)
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn)
            )

    def on_client_socket_readable(self, conn, client):
        with self._lock:
            self.poller.unregister(client)
            try:
                self._keep.remove(conn)
            except ValueError:
                # Closed as idle by murder_keepalived in the meantime.
                return
        conn.sock.arrived_at = time.monotonic()
        conn.sock.deadline = conn.sock.arrived_at + self.header_timeout
        conn.sock.timed_out = False
        self.enqueue_req(conn)

    def handle_request(self, req, conn):
        conn.sock.deadline = conn.sock.arrived_at + max(self.body_timeout, self.header_timeout)
        keep_alive = super().handle_request(req, conn)
        # The rest of a body that did not arrive in time is not waited for again.
        return keep_alive and not conn.sock.timed_out
