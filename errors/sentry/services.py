"""Writes of Sentry ingestion: client keys, and events and feedback sent by Sentry SDKs."""

from django.db import transaction

from common.api import ApiError
from errors.models import ClientKey
from errors.sentry.envelope import Envelope, json_object
from errors.sentry.mapping import event_id_normalise, event_to_error_payload
from errors.services import error_report

EVENT_ITEM_TYPES = ("event",)


def client_key_get_or_create(*, name: str) -> tuple[ClientKey, bool]:
    """Return the client key named `name`, creating it (active, fresh key) when missing."""
    return ClientKey.objects.get_or_create(name=name)


def sentry_event_ingest(*, event: dict, client_key: ClientKey, request_user_agent: str = "") -> str:
    """Store one Sentry event as an ErrorLog occurrence; return its event ID."""
    event_id = event_id_normalise(event.get("event_id"))
    event = {**event, "event_id": event_id}
    error_report(
        payload=event_to_error_payload(event, client_key_name=client_key.name),
        request_user_agent=request_user_agent,
    )
    return event_id


def sentry_envelope_ingest(
    *, envelope: Envelope, client_key: ClientKey, max_event_bytes: int, request_user_agent: str = ""
) -> str:
    """Store the events of an envelope; accept and drop other item types; return the event ID.

    Every item is checked before anything is written, so an envelope is stored whole or
    refused whole (413 for an event over `max_event_bytes`, 400 for one that is not JSON).
    """
    events = []
    for item in envelope.items:
        if item.type not in EVENT_ITEM_TYPES:
            continue
        if len(item.payload) > max_event_bytes:
            raise ApiError(
                f"Item {item.index} ({item.type}) is larger than {max_event_bytes} bytes.",
                status_code=413,
                details={"item": item.index, "maxBytes": max_event_bytes},
            )
        events.append(item.json())
    envelope_event_id = envelope.headers.get("event_id")
    with transaction.atomic():
        event_ids = [
            sentry_event_ingest(
                event={"event_id": envelope_event_id, **event},
                client_key=client_key,
                request_user_agent=request_user_agent,
            )
            for event in events
        ]
    return event_ids[0] if event_ids else event_id_normalise(envelope_event_id)


def sentry_store_ingest(*, body: bytes, client_key: ClientKey, request_user_agent: str = "") -> str:
    """Store the event JSON posted to the legacy store endpoint; return its event ID."""
    event = json_object(body, what="The event")
    return sentry_event_ingest(
        event=event, client_key=client_key, request_user_agent=request_user_agent
    )
