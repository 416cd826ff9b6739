"""Grouping: the fingerprint that decides which reports are "the same error".

The key is the error type, the message with its variable parts replaced by placeholders, and
the top frames of the stack without line/column numbers, query strings or build hashes in
file names. A client-sent fingerprint replaces the whole key. The README lists the rules with
examples; tests/errors/test_grouping.py enumerates them.
"""

import hashlib
import re

from common.privacy import scrub_url

TOP_FRAMES = 5

_URL = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s'\"<>()]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_HEX = re.compile(
    r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"
)
# A quoted identifier-like word names code ('id', "user.name"), not a value: it is kept.
_QUOTED = re.compile(
    r"'(?![A-Za-z_$][\w$.]{0,40}')[^'\n]*'|\"(?![A-Za-z_$][\w$.]{0,40}\")[^\"\n]*\"|`(?![A-Za-z_$][\w$.]{0,40}`)[^`\n]*`"
)
_NUMBER = re.compile(r"(?<![\w<])[-+]?\d+(?:[.,]\d+)*(?![\w>])")
_SPACES = re.compile(r"\s+")

# Stack frames: V8 ("at fn (file:1:2)"), Firefox/Safari ("fn@file:1:2"), Python ("File …").
_FRAME = re.compile(r"^\s*(?:at\s+\S|File\s+\"|[^\s@]*@\S+)")
_LINE_COLUMN = re.compile(r":\d+(?::\d+)?(?=\)?\s*$|\))|,\s*line\s+\d+")
_QUERY = re.compile(r"\?[^\s):]*")
# Build hashes in bundle names: main.3f2a1b9c.js, chunk-5F3C2A9E.js, app-8d1e2f.min.js.
_BUILD_HASH = re.compile(
    r"([.\-_~])(?=[0-9a-zA-Z]*\d)[0-9a-zA-Z]{6,}(?=\.(?:min\.)?[cm]?js\b|\.css\b)"
)
_ORIGIN = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^/\s)]+", re.IGNORECASE)


def message_normalise(message: str) -> str:
    """Return `message` with URLs' ID segments, e-mails, UUIDs, hex, quoted values and numbers
    replaced by placeholders."""
    text = _URL.sub(lambda match: scrub_url(match.group(0)), message or "")
    text = _EMAIL.sub("<email>", text)
    text = _UUID.sub("<uuid>", text)
    text = _HEX.sub("<hex>", text)
    text = _QUOTED.sub("<value>", text)
    text = _NUMBER.sub("<n>", text)
    return _SPACES.sub(" ", text).strip()


def frame_normalise(line: str) -> str:
    """Return one stack frame without origin, query string, line/column or build hash."""
    frame = _ORIGIN.sub("", line.strip())
    frame = _QUERY.sub("", frame)
    frame = _LINE_COLUMN.sub("", frame)
    frame = _BUILD_HASH.sub("", frame)
    return _SPACES.sub(" ", frame)


def top_frames(stack: str, *, limit: int = TOP_FRAMES) -> list[str]:
    """Return the first `limit` frames of `stack`, normalised; the message lines are skipped."""
    frames = []
    for line in (stack or "").splitlines():
        if _FRAME.match(line):
            frames.append(frame_normalise(line))
            if len(frames) == limit:
                break
    return frames


def error_fingerprint(
    *, error_type: str, message: str, stack: str = "", client_fingerprint: str = ""
) -> str:
    """Return the grouping fingerprint (64 hex characters) of one report."""
    if client_fingerprint:
        key = "client\n" + client_fingerprint.strip()
    else:
        parts = [error_type.strip(), message_normalise(message), *top_frames(stack)]
        key = "auto\n" + "\n".join(parts)
    return hashlib.sha256(key.encode()).hexdigest()
