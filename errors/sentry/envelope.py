"""Sentry envelopes: a JSON header line, then items of a JSON header line and a payload.

See https://develop.sentry.dev/sdk/data-model/envelopes/. An item header with `length` is
followed by exactly that many bytes; without it the payload runs to the next newline.

As Sentry's Relay does, an envelope carries at most one event-like item (an event, a
transaction or a feedback; Relay answers "duplicate item" to a second) and a bounded number of
items, so one request never becomes a thousand writes.
"""

from dataclasses import dataclass, field

from common.api import ApiError
from common.json_input import json_parse

MAX_ENVELOPE_ITEMS = 100
EVENT_ITEM_TYPES = ("event", "transaction", "feedback")


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
    a length-delimited payload not followed by a newline or the end, or a second event-like
    item (EVENT_ITEM_TYPES). More than MAX_ENVELOPE_ITEMS items is a 413, refused as soon as
    the first item too many is reached.
    """
    if not body.strip():
        raise ApiError("The envelope is empty.")
    header_line, position = _line(body, 0)
    envelope = Envelope(headers=json_object(header_line, what="The envelope header"))
    event_item_index = None
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
        headers = json_object(item_line, what=f"The header of item {index}")
        item_type = headers.get("type")
        if not isinstance(item_type, str) or not item_type:
            raise ApiError(f"Item {index} has no type in its header.")
        if item_type in EVENT_ITEM_TYPES:
            if event_item_index is not None:
                raise ApiError(
                    f"Item {index} ({item_type}) is a second event in one envelope; an "
                    "envelope carries at most one event, transaction or feedback, so send "
                    "each in its own envelope.",
                    details={"item": index, "firstEventItem": event_item_index},
                )
            event_item_index = index
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


def _line(body: bytes, start: int) -> tuple[bytes, int]:
    """Return the bytes from `start` to the next newline (or the end) and the next position."""
    end = body.find(b"\n", start)
    if end == -1:
        return body[start:], len(body)
    return body[start:end], end + 1
