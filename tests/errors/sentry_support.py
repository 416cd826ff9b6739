"""Envelopes made by the real sentry-sdk, for the protocol and endpoint tests."""

import contextlib
import gzip
import zlib

import brotli
import sentry_sdk
from sentry_sdk.transport import Transport

PUBLIC_KEY = "0123456789abcdef0123456789abcdef"


class CapturingTransport(Transport):
    """Keep the envelopes the SDK would send, instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


@contextlib.contextmanager
def sentry_client(dsn: str, **options):
    """Yield a sentry-sdk client bound to a fresh scope, flushed and closed on exit."""
    client = sentry_sdk.Client(
        dsn=dsn, default_integrations=False, auto_enabling_integrations=False, **options
    )
    try:
        with sentry_sdk.isolation_scope() as scope:
            scope.set_client(client)
            yield client
    finally:
        client.flush(timeout=10)
        client.close()


def captured_envelopes(action, **options) -> list[bytes]:
    """Return the serialized envelopes the SDK produces while `action()` runs."""
    transport = CapturingTransport()
    with sentry_client(f"http://{PUBLIC_KEY}@localhost:8000/1", transport=transport, **options):
        action()
    return [envelope.serialize() for envelope in transport.envelopes]


def raise_chained_error():
    """Raise a ValueError caused by a ZeroDivisionError, two frames deep."""

    def divide(amount):
        return 100 / amount

    try:
        divide(0)
    except ZeroDivisionError as error:
        raise ValueError("payment failed for card 4111 1111 1111 1111") from error


def capture_chained_error():
    try:
        raise_chained_error()
    except ValueError:
        sentry_sdk.capture_exception()


def compress(body: bytes, encoding: str) -> bytes:
    """Return `body` in a Content-Encoding."""
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "br":
        return brotli.compress(body)
    return body


def gzip_bomb(decompressed_bytes: int) -> bytes:
    """Return a gzip body of `decompressed_bytes` zeros, built without ever holding them.

    After a full flush a deflate stream restarts, so one compressed 1 MiB block of zeros can
    be repeated; the trailer's checksum is wrong, which a reader refusing early never sees.
    """
    block = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()
    return head + repeated * (decompressed_bytes // len(block) - 1) + tail
