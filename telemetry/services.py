"""Writes of the telemetry app: recording batches of events."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.privacy import (
    scrub_data,
    scrub_identifier,
    scrub_short_text,
    scrub_url,
)
from common.retention import retention_purge
from common.useragent import user_agent_traits
from projects.selectors import retention_expired
from telemetry.models import TelemetryEvent


# Not frozen: a frozen dataclass is built at twice the cost, and a batch builds a hundred.
@dataclass(slots=True)
class NewEvent:
    """One validated event of a batch, before enrichment and scrubbing ('' or None: not sent)."""

    type: str
    page: str = ""
    action: str = ""
    duration: int | None = None
    metadata: object = None
    user_agent: str = ""
    platform: str = ""
    session_id: str = ""
    user_id: str = ""
    anonymous_id: str = ""
    device_type: str = ""
    region: str = ""
    timestamp: datetime | None = None


def event_batch_record(*, events: list[NewEvent], request_user_agent: str, project_id: int) -> int:
    """Store validated events of project `project_id`, enriched and scrubbed, in one bulk
    insert; return how many.

    An event without a user agent takes the request's, and its device type and platform are
    derived from the user agent when the client did not send them. Every text field goes
    through the privacy rules (IDs in which a rule finds anything are stored as keyed hashes).
    The client's IP address is never stored.
    On PostgreSQL the insert is one COPY, which skips building model instances and SQL
    parameters; elsewhere it is one bulk INSERT.
    """
    now = timezone.now()
    rows = []
    for event in events:
        user_agent = (event.user_agent or request_user_agent or "")[:512]
        traits = user_agent_traits(user_agent)
        rows.append(
            (
                project_id,
                event.type,
                scrub_url(event.page),
                scrub_short_text(event.action, max_length=200),
                event.duration,
                scrub_data(event.metadata) if event.metadata is not None else None,
                scrub_short_text(user_agent, max_length=512),
                scrub_short_text(event.platform or traits.platform, max_length=40),
                scrub_identifier(event.session_id),
                scrub_identifier(event.user_id),
                scrub_identifier(event.anonymous_id),
                event.device_type or traits.device_type,
                scrub_short_text(event.region, max_length=64),
                event.timestamp,
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
    "project_id",
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
    """Delete raw events older than their project's telemetry retention (else
    TELEMETRY_RETENTION_DAYS); aggregates are kept."""
    expired = TelemetryEvent.objects.filter(
        retention_expired(
            timestamp_field="created_at",
            project_field="project_id",
            default_days=settings.TELEMETRY_RETENTION_DAYS,
            days_field="telemetry_retention_days",
        )
    )
    return retention_purge(expired, dry_run=dry_run, batch_size=batch_size, progress=progress)
