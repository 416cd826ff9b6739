"""Reads of the alerts app."""

from dataclasses import dataclass
from datetime import datetime

from alerts.models import AlertDelivery, AlertDeliveryStatus


@dataclass(frozen=True)
class AlertDeliverySummary:
    """How alert delivery stands: deliveries still to make, and those given up lately."""

    waiting: int
    given_up: int
    latest_given_up: AlertDelivery | None


def alert_delivery_summary(*, given_up_since: datetime) -> AlertDeliverySummary:
    """Return how many deliveries are still to be made and how many were given up since
    `given_up_since`, with the newest given-up one."""
    given_up = AlertDelivery.objects.filter(
        status=AlertDeliveryStatus.FAILED, finished_at__gte=given_up_since
    )
    return AlertDeliverySummary(
        waiting=AlertDelivery.objects.filter(next_attempt_at__isnull=False).count(),
        given_up=given_up.count(),
        latest_given_up=given_up.order_by("-finished_at")
        .only("kind", "channel", "last_error", "finished_at")
        .first(),
    )
