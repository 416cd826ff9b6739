"""Reads of the alerts app."""

from datetime import datetime

from alerts.models import AlertDelivery, AlertDeliveryStatus


def alert_delivery_summary(*, given_up_since: datetime) -> dict:
    """Return how many deliveries are still to be made and how many were given up since
    `given_up_since`, with the newest given-up one's kind, channel and reason."""
    waiting = AlertDelivery.objects.filter(next_attempt_at__isnull=False).count()
    given_up = AlertDelivery.objects.filter(
        status=AlertDeliveryStatus.FAILED, finished_at__gte=given_up_since
    )
    latest = (
        given_up.order_by("-finished_at")
        .values("kind", "channel", "last_error", "finished_at")
        .first()
    )
    return {
        "waiting": waiting,
        "givenUp": given_up.count(),
        "latestGivenUp": latest
        and {
            "kind": latest["kind"],
            "channel": latest["channel"],
            "lastError": latest["last_error"],
            "at": latest["finished_at"].isoformat(),
        },
    }
