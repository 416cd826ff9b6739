"""Writes of the telemetry app: recording batches of events."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from common.privacy import scrub_data, scrub_text, scrub_url, scrub_user_id
from common.retention import delete_in_batches
from common.useragent import device_type_from_user_agent, platform_from_user_agent
from telemetry.models import TelemetryEvent


def event_batch_record(*, events: list[dict], request_user_agent: str) -> int:
    """Store validated events, enriched and scrubbed, in one bulk insert; return how many.

    `events` are the validated data of TelemetryEventSerializer (camelCase keys). An event
    without `userAgent` takes the request's, and `deviceType`/`platform` are derived from the
    user agent when the client did not send them. The client's IP address is never stored.
    """
    now = timezone.now()
    rows = []
    for event in events:
        user_agent = (event.get("userAgent") or request_user_agent or "")[:512]
        metadata = event.get("metadata")
        rows.append(
            TelemetryEvent(
                type=event["type"],
                page=scrub_url(event.get("page") or ""),
                action=scrub_text(event.get("action") or "", max_length=200),
                duration=event.get("duration"),
                metadata=scrub_data(metadata) if metadata is not None else None,
                user_agent=user_agent,
                platform=event.get("platform") or platform_from_user_agent(user_agent),
                session_id=event.get("sessionId") or "",
                user_id=scrub_user_id(event.get("userId") or "")[:128],
                anonymous_id=event.get("anonymousId") or "",
                device_type=event.get("deviceType") or device_type_from_user_agent(user_agent),
                region=event.get("region") or "",
                client_timestamp=event.get("timestamp"),
                created_at=now,
            )
        )
    TelemetryEvent.objects.bulk_create(rows)
    return len(rows)


def event_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete raw events older than TELEMETRY_RETENTION_DAYS; aggregates are kept."""
    cutoff = timezone.now() - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    expired = TelemetryEvent.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return expired.count()
    return delete_in_batches(expired, batch_size=batch_size, progress=progress)
