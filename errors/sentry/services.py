"""Writes of Sentry ingestion: client keys, and events and feedback sent by Sentry SDKs."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.api import ApiError
from common.retention import delete_in_batches
from errors.models import ClientKey, SentryEventLink
from errors.sentry.envelope import Envelope, json_object
from errors.sentry.mapping import event_id_normalise, event_to_error_payload
from errors.serializers import ErrorReportSerializer
from errors.services import error_report


def client_key_get_or_create(*, name: str) -> tuple[ClientKey, bool]:
    """Return the client key named `name`, creating it (active, fresh key) when missing."""
    return ClientKey.objects.get_or_create(name=name)


def _error_payload(event: dict, *, client_key: ClientKey) -> tuple[str, dict]:
    """Return the event ID and the validated /api/errors payload of a Sentry event."""
    event_id = event_id_normalise(event.get("event_id"))
    payload = event_to_error_payload(
        {**event, "event_id": event_id}, client_key_name=client_key.name
    )
    serializer = ErrorReportSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    return event_id, serializer.validated_data


def _events_record(events: list[tuple[str, dict]], *, request_user_agent: str) -> None:
    """Record validated events as error occurrences, skipping event IDs already recorded.

    SDKs resend an event when an answer is lost; its ID is recorded once, so a retry does not
    count the error twice.
    """
    known = set(
        SentryEventLink.objects.filter(
            event_id__in=[event_id for event_id, _ in events]
        ).values_list("event_id", flat=True)
    )
    links = []
    with transaction.atomic():
        for event_id, payload in events:
            if event_id in known:
                continue
            known.add(event_id)
            error, _ = error_report(payload=payload, request_user_agent=request_user_agent)
            links.append(SentryEventLink(event_id=event_id, error=error))
        SentryEventLink.objects.bulk_create(links, ignore_conflicts=True)


def sentry_envelope_ingest(
    *, envelope: Envelope, client_key: ClientKey, max_event_bytes: int, request_user_agent: str = ""
) -> str:
    """Store the events of an envelope; accept and drop other item types; return the event ID.

    Every item is checked before anything is written, so an envelope is stored whole or
    refused whole (413 for an event over `max_event_bytes`, 400 for one that is not valid).
    """
    envelope_event_id = envelope.headers.get("event_id")
    events = []
    for item in envelope.items:
        if item.type != "event":
            continue
        if len(item.payload) > max_event_bytes:
            raise ApiError(
                f"Item {item.index} ({item.type}) is larger than {max_event_bytes} bytes.",
                status_code=413,
                details={"item": item.index, "maxBytes": max_event_bytes},
            )
        events.append(
            _error_payload({"event_id": envelope_event_id, **item.json()}, client_key=client_key)
        )
    _events_record(events, request_user_agent=request_user_agent)
    return events[0][0] if events else event_id_normalise(envelope_event_id)


def sentry_store_ingest(*, body: bytes, client_key: ClientKey, request_user_agent: str = "") -> str:
    """Store the event JSON posted to the legacy store endpoint; return its event ID."""
    event = _error_payload(json_object(body, what="The event"), client_key=client_key)
    _events_record([event], request_user_agent=request_user_agent)
    return event[0]


def sentry_event_link_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete event-to-error links older than ERROR_RETENTION_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.ERROR_RETENTION_DAYS)
    expired = SentryEventLink.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return expired.count()
    return delete_in_batches(expired, batch_size=batch_size, progress=progress)
