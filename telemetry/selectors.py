"""Reads of the telemetry app."""

from datetime import datetime

from django.db.models import Count, Q

from telemetry.models import EventType, TelemetryEvent


def telemetry_event_counts_since(*, since: datetime) -> dict:
    """Return the events received since `since`: `total`, `errors` (type `error`) and
    `sessions` (distinct non-empty session IDs), in one query."""
    return TelemetryEvent.objects.filter(created_at__gte=since).aggregate(
        total=Count("id"),
        errors=Count("id", filter=Q(type=EventType.ERROR)),
        sessions=Count("session_id", distinct=True, filter=~Q(session_id="")),
    )
