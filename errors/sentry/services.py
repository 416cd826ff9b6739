"""Writes of Sentry ingestion: client keys, and events and feedback sent by Sentry SDKs."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from common.api import ApiError
from common.retention import retention_cutoff, retention_purge
from errors.ingest import ErrorReportInput, error_report
from errors.models import ClientKey, SentryEventLink
from errors.sentry.envelope import Envelope, json_object
from errors.sentry.mapping import (
    FEEDBACK_ITEM_TYPES,
    attachment_is_image,
    event_id_normalise,
    event_to_error_report,
    feedback_to_submission,
)
from projects.models import DEFAULT_PROJECT_ID, Project


@dataclass(frozen=True)
class FeedbackReceiver:
    """What the feedback app does with Sentry feedback (see sentry_feedback_receiver_register)."""

    receive: Callable[..., object]
    events_recorded: Callable[..., object]


_feedback_receivers: list[FeedbackReceiver] = []


def sentry_feedback_receiver_register(
    *, receive: Callable[..., object], events_recorded: Callable[..., object]
) -> None:
    """Register how Sentry feedback items are stored; with no receiver they are dropped.

    `receive(data=, error=, associated_event_id=, request_user_agent=, project_id=)` gets a
    POST /api/feedback body, the ErrorLog of the event the feedback is about (None when that
    event has not arrived) and the project of the key it came with.
    `events_recorded(error_ids_by_event_id=)` gets the group IDs of each batch of newly
    recorded events, so feedback that arrived first can be linked. The
    feedback app registers itself in its AppConfig.ready(), so this app never imports it.
    """
    receiver = FeedbackReceiver(receive=receive, events_recorded=events_recorded)
    if receiver not in _feedback_receivers:
        _feedback_receivers.append(receiver)


def client_key_get_or_create(
    *, name: str, project: Project | None = None
) -> tuple[ClientKey, bool]:
    """Return the client key named `name` of `project` (the default project when None), creating
    it (active, fresh key) when missing."""
    project_id = project.pk if project is not None else DEFAULT_PROJECT_ID
    return ClientKey.objects.get_or_create(name=name, project_id=project_id)


def _error_report(event: dict, *, client_key: ClientKey) -> tuple[str, ErrorReportInput]:
    """Return the event ID and the validated error report of a Sentry event."""
    event_id = event_id_normalise(event.get("event_id"))
    report = event_to_error_report({**event, "event_id": event_id}, client_key_name=client_key.name)
    # Grouped in the key's project.
    return event_id, dataclasses.replace(report, project_id=client_key.project_id)


def _events_record(events: list[tuple[str, ErrorReportInput]], *, request_user_agent: str) -> None:
    """Record validated events as error occurrences, skipping event IDs already recorded.

    SDKs resend an event when an answer is lost; its ID is recorded once, so a retry does not
    count the error twice.
    """
    known = set(
        SentryEventLink.objects.filter(
            event_id__in=[event_id for event_id, _ in events]
        ).values_list("event_id", flat=True)
    )
    error_ids_by_event_id = {}
    with transaction.atomic():
        for event_id, report in events:
            if event_id in known:
                continue
            known.add(event_id)
            reported = error_report(report=report, request_user_agent=request_user_agent)
            error_ids_by_event_id[event_id] = reported.error_id
        SentryEventLink.objects.bulk_create(
            [
                SentryEventLink(event_id=key, error_id=error_id)
                for key, error_id in error_ids_by_event_id.items()
            ],
            ignore_conflicts=True,
        )
        if error_ids_by_event_id:
            for receiver in _feedback_receivers:
                receiver.events_recorded(error_ids_by_event_id=error_ids_by_event_id)


def _item_checked(item, *, max_bytes: int) -> dict:
    if len(item.payload) > max_bytes:
        raise ApiError(
            f"Item {item.index} ({item.type}) is larger than {max_bytes} bytes.",
            status_code=413,
            details={"item": item.index, "maxBytes": max_bytes},
        )
    return item.json()


def _feedback_record(
    feedback: list[tuple[str, dict]], *, request_user_agent: str, project_id: int
) -> None:
    """Hand each feedback to the receivers, with the error group of the event it is about and
    the project of the key it came with."""
    links = {
        link.event_id: link.error
        for link in SentryEventLink.objects.filter(
            event_id__in=[event_id for event_id, _ in feedback if event_id]
        ).select_related("error")
    }
    for event_id, data in feedback:
        for receiver in _feedback_receivers:
            receiver.receive(
                data=data,
                error=links.get(event_id),
                associated_event_id=event_id,
                request_user_agent=request_user_agent,
                project_id=project_id,
            )


def sentry_envelope_ingest(
    *, envelope: Envelope, client_key: ClientKey, max_event_bytes: int, request_user_agent: str = ""
) -> str:
    """Store the events and feedback of an envelope; accept and drop other item types; return
    the event ID.

    Events become error occurrences; `feedback` and `user_report` items become feedback
    submissions linked to their event's error, with the envelope's image attachment as the
    screenshot. Items are checked before anything is written and the writes share one
    transaction, so an envelope is stored whole or refused whole (413 for an item over
    `max_event_bytes`, 400 for one that is not valid).
    """
    envelope_event_id = envelope.headers.get("event_id")
    screenshot = next(
        (
            item.payload
            for item in envelope.items
            if item.type == "attachment" and attachment_is_image(item.headers)
        ),
        None,
    )
    events, feedback = [], []
    for item in envelope.items:
        if item.type == "event":
            event = {
                "event_id": envelope_event_id,
                **_item_checked(item, max_bytes=max_event_bytes),
            }
            events.append(_error_report(event, client_key=client_key))
        elif item.type in FEEDBACK_ITEM_TYPES:
            payload = _item_checked(item, max_bytes=max_event_bytes)
            feedback.append(feedback_to_submission(item.type, payload, screenshot=screenshot))
    with transaction.atomic():
        _events_record(events, request_user_agent=request_user_agent)
        _feedback_record(
            feedback, request_user_agent=request_user_agent, project_id=client_key.project_id
        )
    return events[0][0] if events else event_id_normalise(envelope_event_id)


def sentry_store_ingest(*, body: bytes, client_key: ClientKey, request_user_agent: str = "") -> str:
    """Store the event JSON posted to the legacy store endpoint; return its event ID."""
    event = _error_report(json_object(body, what="The event"), client_key=client_key)
    _events_record([event], request_user_agent=request_user_agent)
    return event[0]


def sentry_event_link_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete event-to-error links older than ERROR_RETENTION_DAYS."""
    cutoff = retention_cutoff(days=settings.ERROR_RETENTION_DAYS)
    expired = SentryEventLink.objects.filter(created_at__lt=cutoff)
    return retention_purge(expired, dry_run=dry_run, batch_size=batch_size, progress=progress)
