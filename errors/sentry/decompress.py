"""Request bodies read as a stream, decompressed (gzip, deflate, br) under a size cap.

The body is read in chunks and every decompressor is asked for at most the bytes still
allowed, so a decompression bomb is refused after `max_bytes` of output, whatever it would
expand to; memory stays within about twice the cap (the growing buffer and its copy).
"""

import zlib
from collections.abc import Callable

import brotli
from rest_framework import status

from common.api import ApiError

CHUNK_BYTES = 64 * 1024
ENCODINGS = ("identity", "gzip", "x-gzip", "deflate", "br")


def body_too_large(max_bytes: int, what: str) -> ApiError:
    """Return the 413 refusal for a body over `max_bytes`."""
    return ApiError(
        f"The {what} is larger than {max_bytes} bytes once decompressed.",
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        details={"maxBytes": max_bytes},
    )


def body_read(
    *, read: Callable[[int], bytes], encoding: str, max_bytes: int, what: str = "request body"
) -> bytes:
    """Return the body produced by `read(n)` decoded from `encoding`, at most `max_bytes` long.

    Raise a 413 ApiError as soon as the decoded body would pass `max_bytes`, a 415 for an
    unknown encoding and a 400 for a body that is not valid in its encoding.
    """
    encoding = (encoding or "identity").strip().lower()
    if encoding not in ENCODINGS:
        raise ApiError(
            f"The content encoding {encoding[:40]!r} is not supported; "
            "send gzip, deflate, br or an uncompressed body.",
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            details={"supported": list(ENCODINGS)},
        )
    decoder = _Decoder(encoding)
    output = bytearray()
    while True:
        chunk = read(CHUNK_BYTES)
        for piece in decoder.feed(chunk or b"", room=max_bytes - len(output) + 1):
            output += piece
            if len(output) > max_bytes:
                raise body_too_large(max_bytes, what)
        if not chunk:
            break
    decoder.finish()
    return bytes(output)


class _Decoder:
    """One content decoder fed chunk by chunk, yielding output pieces no larger than `room`."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        self.started = False
        if encoding in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # HTTP "deflate" is zlib-wrapped, but some clients send raw deflate: see feed().
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS)
        elif encoding == "br":
            self.brotli = brotli.Decompressor()

    def feed(self, chunk: bytes, *, room: int):
        try:
            if self.encoding == "identity":
                yield chunk
            elif self.encoding == "br":
                yield from self._feed_brotli(chunk, room)
            else:
                yield from self._feed_zlib(chunk, room)
        except (zlib.error, brotli.error):
            raise self._invalid() from None

    def _feed_zlib(self, chunk: bytes, room: int):
        if not self.started and chunk and self.encoding == "deflate":
            try:
                zlib.decompressobj(zlib.MAX_WBITS).decompress(chunk[:2])
            except zlib.error:
                self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        self.started = self.started or bool(chunk)
        data = chunk
        while data or self.zlib.unconsumed_tail:
            piece = self.zlib.decompress(data or self.zlib.unconsumed_tail, max(room, 1))
            data = b""
            room -= len(piece)
            yield piece
            if room <= 0 or self.zlib.eof:
                return

    def _feed_brotli(self, chunk: bytes, room: int):
        piece = self.brotli.process(chunk, output_buffer_limit=max(room, 1))
        room -= len(piece)
        yield piece
        while room > 0 and not self.brotli.can_accept_more_data():
            piece = self.brotli.process(b"", output_buffer_limit=max(room, 1))
            room -= len(piece)
            yield piece

    def finish(self) -> None:
        if self.encoding == "identity":
            return
        finished = self.brotli.is_finished() if self.encoding == "br" else self.zlib.eof
        if not finished:
            raise self._invalid()

    def _invalid(self) -> ApiError:
        return ApiError(
            f"The body is not valid {self.encoding} data (truncated or corrupt).",
            details={"contentEncoding": self.encoding},
        )
