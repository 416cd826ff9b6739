"""Sentry envelopes: a JSON header line, then items of a JSON header line and a payload.

See https://develop.sentry.dev/sdk/data-model/envelopes/. An item header with `length` is
followed by exactly that many bytes; without it the payload runs to the next newline.

As Sentry's Relay does, an envelope carries at most one event-like item (an event, a
transaction or a feedback; Relay answers "duplicate item" to a second); it also carries at
most one user report, at most MAX_ENVELOPE_ITEMS items and header lines of at most
MAX_HEADER_BYTES, so one request never becomes a thousand writes, nor megabytes of JSON to
read beyond the one event it brings.
"""

from dataclasses import dataclass, field

from common.api import ApiError
from common.json_input import json_parse

MAX_ENVELOPE_ITEMS = 100
MAX_HEADER_BYTES = 32 * 1024
# Item types an envelope carries at most one of, in groups: the group's name and its types.
ONE_PER_ENVELOPE = {
    "event": ("event", "transaction", "feedback"),
    "user report": ("user_report",),
}
_GROUP_OF_TYPE = {
    item_type: group for group, item_types in ONE_PER_ENVELOPE.items() for item_type in item_types
}


@dataclass
class EnvelopeItem:
    """One item of an envelope: its type, its header and its raw payload."""

    type: str
    headers: dict
    payload: bytes
    index: int = 0

    def json(self) -> dict:
        """Return the payload parsed as a JSON object; raise a 400 ApiError otherwise."""
        return json_object(self.payload, what=f"Item {self.index} ({self.type[:100]})")


@dataclass
class Envelope:
    """A parsed envelope: its header (event_id, dsn, sent_at…) and its items in order."""

    headers: dict
    items: list[EnvelopeItem] = field(default_factory=list)


def json_object(raw: bytes, *, what: str) -> dict:
    """Return `raw` parsed as a JSON object; raise a 400 ApiError naming `what` otherwise."""
    try:
        value = json_parse(raw)
    except ValueError as error:
        raise ApiError(
            f"{what} is not valid JSON.", details={"parseError": str(error)[:200]}
        ) from None
    if not isinstance(value, dict):
        raise ApiError(f"{what} must be a JSON object.")
    return value


def envelope_parse(body: bytes) -> Envelope:
    """Return the envelope in `body`; raise a 400 ApiError for one that is malformed.

    Malformed means: no header line, a header that is not a JSON object, an item without a
    type, a `length` that is not a non-negative integer or runs past the end of the body, or
    a length-delimited payload not followed by a newline or the end, or a second item of a
    group of ONE_PER_ENVELOPE. More than MAX_ENVELOPE_ITEMS items, or a header line over
    MAX_HEADER_BYTES, is a 413, refused before the rest is read.
    """
    if not body.strip():
        raise ApiError("The envelope is empty.")
    header_line, position = _line(body, 0)
    envelope = Envelope(headers=_header_object(header_line, what="The envelope header"))
    first_of_group = {}
    while position < len(body):
        if body[position : position + 1] == b"\n":
            position += 1
            continue
        index = len(envelope.items)
        if index == MAX_ENVELOPE_ITEMS:
            raise ApiError(
                f"The envelope has more than {MAX_ENVELOPE_ITEMS} items; "
                f"send at most {MAX_ENVELOPE_ITEMS} per envelope.",
                status_code=413,
                details={"maxItems": MAX_ENVELOPE_ITEMS},
            )
        item_line, position = _line(body, position)
        headers = _header_object(item_line, what=f"The header of item {index}")
        item_type = headers.get("type")
        if not isinstance(item_type, str) or not item_type:
            raise ApiError(f"Item {index} has no type in its header.")
        group = _GROUP_OF_TYPE.get(item_type)
        if group in first_of_group:
            raise ApiError(
                f"Item {index} ({item_type}) is a second {group} in one envelope; an envelope "
                f"carries at most one {' or '.join(ONE_PER_ENVELOPE[group])}, so send each in "
                "its own envelope.",
                details={"item": index, "firstItem": first_of_group[group]},
            )
        if group:
            first_of_group[group] = index
        length = headers.get("length")
        if length is None:
            payload, position = _line(body, position)
        else:
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise ApiError(f"Item {index} has a length that is not a non-negative integer.")
            end = position + length
            if end > len(body):
                raise ApiError(
                    f"Item {index} ({item_type[:100]}) declares {length} bytes but the envelope "
                    f"ends after {len(body) - position}; it is truncated.",
                    details={"item": index, "declaredLength": length},
                )
            payload = body[position:end]
            if end < len(body) and body[end : end + 1] != b"\n":
                raise ApiError(
                    f"Item {index} ({item_type[:100]}) is not followed by a newline after its "
                    f"{length} bytes; its length is wrong.",
                    details={"item": index, "declaredLength": length},
                )
            position = end + 1
        envelope.items.append(
            EnvelopeItem(type=item_type, headers=headers, payload=payload, index=index)
        )
    return envelope


def _header_object(line: bytes, *, what: str) -> dict:
    """Return a header line parsed as a JSON object; raise a 413 ApiError past MAX_HEADER_BYTES."""
    if len(line) > MAX_HEADER_BYTES:
        raise ApiError(
            f"{what} is longer than {MAX_HEADER_BYTES} bytes; a header holds a few fields.",
            status_code=413,
            details={"maxHeaderBytes": MAX_HEADER_BYTES},
        )
    return json_object(line, what=what)


def _line(body: bytes, start: int) -> tuple[bytes, int]:
    """Return the bytes from `start` to the next newline (or the end) and the next position."""
    end = body.find(b"\n", start)
    if end == -1:
        return body[start:], len(body)
    return body[start:end], end + 1
