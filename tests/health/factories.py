"""Factories and helpers that fill the error-rate and session windows of the health check."""

from datetime import timedelta

import factory
from django.utils import timezone

from health.models import HealthSnapshot, HealthStatus
from telemetry.models import TelemetryEvent
from tests.errors.factories import error_reported


class HealthSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthSnapshot

    status = HealthStatus.HEALTHY
    document = factory.LazyAttribute(lambda snapshot: {"status": snapshot.status})


def events_record(*, count: int, type: str = "page_view", minutes_ago: float = 1, **fields):
    """Store `count` telemetry events received `minutes_ago` minutes ago."""
    created_at = timezone.now() - timedelta(minutes=minutes_ago)
    TelemetryEvent.objects.bulk_create(
        TelemetryEvent(type=type, created_at=created_at, **fields) for _ in range(count)
    )


def traffic_with_errors(*, errors: int, total: int) -> None:
    """Fill the last hour with `total` events of which `errors` are errors, half of them (rounded
    down) error reports and the rest `error` telemetry events."""
    reports = errors // 2
    for index in range(reports):
        error_reported({"errorType": "TypeError", "message": f"boom {index}"})
    events_record(count=errors - reports, type="error")
    events_record(count=total - errors)
