"""Celery tasks of the alerts app: one delivery after its alert commits, and the catch-up."""

from celery import shared_task


@shared_task(name="alerts.deliver")
def alert_deliver_task(delivery_id: int) -> bool:
    """Try one alert delivery if it is due; return whether it was sent."""
    from alerts.services import alert_delivery_attempt

    return alert_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="alerts.deliver_due")
def alert_deliver_due_task() -> int:
    """Try every due delivery (Celery beat runs it every minute); return how many were sent."""
    from alerts.services import alert_deliveries_attempt_due

    return alert_deliveries_attempt_due()
