"""Writes of the telemetry app: recording batches of events."""

import json
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.privacy import (
    scrub_data,
    scrub_identifier,
    scrub_short_text,
    scrub_url,
)
from common.retention import retention_cutoff, retention_purge
from common.useragent import device_type_from_user_agent, platform_from_user_agent
from telemetry.models import TelemetryEvent


# User agents repeat across events: parse each distinct one once.
@lru_cache(maxsize=1024)
def _user_agent_traits(user_agent: str) -> tuple[str, str]:
    return device_type_from_user_agent(user_agent), platform_from_user_agent(user_agent)


def event_batch_record(*, events: list[dict], request_user_agent: str) -> int:
    """Store validated events, enriched and scrubbed, in one bulk insert; return how many.

    `events` are the validated data of TelemetryEventSerializer (camelCase keys). An event
    without `userAgent` takes the request's, and `deviceType`/`platform` are derived from the
    user agent when the client did not send them. Every text field goes through the privacy
    rules (IDs in which a rule finds anything are stored as keyed hashes). The client's IP
    address is never stored.
    On PostgreSQL the insert is one COPY, which skips building model instances and SQL
    parameters; elsewhere it is one bulk INSERT.
    """
    now = timezone.now()
    rows = []
    for event in events:
        user_agent = (event.get("userAgent") or request_user_agent or "")[:512]
        metadata = event.get("metadata")
        device_type, platform = _user_agent_traits(user_agent)
        rows.append(
            (
                event["type"],
                scrub_url(event.get("page") or ""),
                scrub_short_text(event.get("action") or "", max_length=200),
                event.get("duration"),
                scrub_data(metadata) if metadata is not None else None,
                scrub_short_text(user_agent, max_length=512),
                scrub_short_text(event.get("platform") or platform, max_length=40),
                scrub_identifier(event.get("sessionId") or ""),
                scrub_identifier(event.get("userId") or ""),
                scrub_identifier(event.get("anonymousId") or ""),
                event.get("deviceType") or device_type,
                scrub_short_text(event.get("region") or "", max_length=64),
                event.get("timestamp"),
                now,
            )
        )
    if rows and connection.vendor == "postgresql":
        _copy_rows(rows)
    else:
        TelemetryEvent.objects.bulk_create(
            TelemetryEvent(**dict(zip(_COLUMNS, row, strict=True))) for row in rows
        )
    return len(rows)


_COLUMNS = (
    "type",
    "page",
    "action",
    "duration",
    "metadata",
    "user_agent",
    "platform",
    "session_id",
    "user_id",
    "anonymous_id",
    "device_type",
    "region",
    "client_timestamp",
    "created_at",
)
_METADATA = _COLUMNS.index("metadata")
# COPY takes jsonb as its JSON text: encoding it here once is a third of the cost of psycopg's
# Jsonb wrapper, which looks up a dumper and builds an encoder for every row.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _copy_rows(rows: list[tuple]) -> None:
    table = TelemetryEvent._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            if row[_METADATA] is not None:
                row = (*row[:_METADATA], _encode_json(row[_METADATA]), *row[_METADATA + 1 :])
            copy.write_row(row)


def event_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete raw events older than TELEMETRY_RETENTION_DAYS; aggregates are kept."""
    cutoff = retention_cutoff(days=settings.TELEMETRY_RETENTION_DAYS)
    expired = TelemetryEvent.objects.filter(created_at__lt=cutoff)
    return retention_purge(expired, dry_run=dry_run, batch_size=batch_size, progress=progress)
