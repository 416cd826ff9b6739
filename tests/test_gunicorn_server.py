"""The shipped gunicorn configuration under clients that send slowly, in a real gunicorn.

Each test starts `gunicorn -c gunicorn.conf.py config.wsgi` (the gunicorn_server fixture of
tests/conftest.py) on a free local port with one worker of two threads, so two stuck requests
would be enough to starve it, and short arrival bounds so the tests are quick.
"""

import http.client
import json
import socket
import time

import pytest

# The arrival bounds the gunicorn_server fixture (tests/conftest.py) starts gunicorn with.
HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 2.0
# How much later than its bound a cut may come: gunicorn's loop wakes once a second.
SLACK = 2.5


def get(port: int, path: str, *, timeout: float) -> tuple[int, bytes]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", path)
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def half_sent_body(
    port: int,
    path: bytes = b"/api/telemetry/batch",
    content_type: bytes = b"application/json",
    start: bytes = b'{"events":',
) -> socket.socket:
    """Open a connection that declares 1000 bytes of body and sends only its start."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
        b"Content-Length: 1000\r\n\r\n%s" % (path, content_type, start)
    )
    return sock


def read_until_closed(sock: socket.socket, *, timeout: float) -> bytes:
    """Return everything the server sends until it closes the connection."""
    sock.settimeout(timeout)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    return received


@pytest.mark.parametrize(
    ("path", "content_type", "start"),
    [
        (b"/api/telemetry/batch", b"application/json", b'{"events":'),
        (
            b"/api/feedback",
            b"multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="message"\r\n\r\nIt br',
        ),
        (b"/api/1/envelope/", b"application/x-sentry-envelope", b'{"event_id":'),
    ],
    ids=["json", "multipart", "sentry-envelope"],
)
def test_gunicorn__a_body_shorter_than_its_content_length_is_cut_off_with_408(
    gunicorn_server, path, content_type, start
):
    port = gunicorn_server()
    sock = half_sent_body(port, path, content_type, start)
    started = time.monotonic()

    answer = read_until_closed(sock, timeout=BODY_TIMEOUT + SLACK + 5)

    assert time.monotonic() - started < BODY_TIMEOUT + SLACK
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body) == {
        "success": False,
        "error": "The request body did not arrive in time; the connection is closed.",
        "details": {},
    }


def test_gunicorn__trickled_headers_and_a_silent_connection_are_closed(gunicorn_server):
    port = gunicorn_server()
    trickle = socket.create_connection(("127.0.0.1", port))
    trickle.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    silent = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()

    for sock in (trickle, silent):
        assert read_until_closed(sock, timeout=HEADER_TIMEOUT + SLACK + 5) == b""

    assert time.monotonic() - started < HEADER_TIMEOUT + SLACK


def test_gunicorn__sixty_half_sent_bodies_do_not_stop_a_normal_request(gunicorn_server):
    port = gunicorn_server()
    stuck = [half_sent_body(port) for _ in range(60)]
    started = time.monotonic()

    status, body = get(port, "/api/health", timeout=BODY_TIMEOUT + SLACK + 10)

    assert time.monotonic() - started < BODY_TIMEOUT + SLACK
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    answers = [read_until_closed(sock, timeout=BODY_TIMEOUT + SLACK + 10) for sock in stuck]
    assert {answer[:13] for answer in answers} == {b"HTTP/1.1 408 "}


@pytest.mark.django_db(transaction=True)
def test_gunicorn__a_slow_but_steady_upload_is_answered(gunicorn_server):
    from telemetry.models import TelemetryEvent

    # The body takes about twice the header bound to arrive, well inside the body bound.
    port = gunicorn_server(header_timeout=1.0, body_timeout=6.0)
    body = json.dumps({"events": [{"type": "page_view", "page": "/slow-upload"}]}).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST /api/telemetry/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    pieces = [body[i : i + 8] for i in range(0, len(body), 8)]
    for piece in pieces:
        sock.sendall(piece)
        time.sleep(2.0 / len(pieces))

    answer = read_until_closed(sock, timeout=10)

    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), answer
    assert json.loads(payload)["recorded"] == 1
    assert TelemetryEvent.objects.filter(page="/slow-upload").count() == 1


def test_deadline_socket__reads_what_arrived_even_late_and_refuses_to_wait_past_the_deadline():
    from config.gunicorn_worker import DeadlineSocket, RequestReadTimeout

    server_end, client_end = socket.socketpair()
    sock = DeadlineSocket.adopt(server_end)
    with sock, client_end:
        client_end.sendall(b"arrived")
        sock.deadline = time.monotonic() - 1

        assert sock.recv(100) == b"arrived"
        with pytest.raises(RequestReadTimeout):
            sock.recv(100)
        assert sock.timed_out

        sock.deadline = time.monotonic() + 0.3
        started = time.monotonic()
        with pytest.raises(RequestReadTimeout):
            sock.recv(100)
        assert 0.1 < time.monotonic() - started < 2


def test_gunicorn__a_request_line_over_its_limit_is_refused_in_the_error_shape(gunicorn_server):
    port = gunicorn_server()
    status, body = get(port, "/api/errors?q=" + "a" * 65536, timeout=10)
    assert status == 400
    answer = json.loads(body)
    assert answer["success"] is False
    assert answer["error"].startswith("Bad Request: ")
    assert "a" * 300 not in answer["error"]
    assert get(port, "/api/health", timeout=5)[0] == 200
