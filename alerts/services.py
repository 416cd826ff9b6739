"""Writes of the alerts app: recording alerts as deliveries, attempting, retrying, giving up.

Callers (error alerts, health status changes) decide *whether* to alert and call
`alert_create` in the transaction of what caused the alert. Delivery happens after commit, in
a Celery task (or in the calling thread for health alerts, whose subject may be the broker),
and from the every-minute catch-up task for anything not delivered yet.
"""

import http.client
import json
import logging
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db.models import F
from django.utils import timezone

from alerts import tasks
from alerts.models import AlertChannel, AlertDelivery, AlertDeliveryStatus
from common.enqueue import task_enqueue_on_commit
from common.privacy import scrub_text
from common.retention import retention_cutoff, retention_purge
from projects.models import Project

logger = logging.getLogger(__name__)

DUE_BATCH_SIZE = 200


class _ChannelNotConfigured(Exception):
    """The channel of a delivery was removed from the settings since the alert was made."""


def alert_create(
    *,
    kind: str,
    title: str,
    payload: dict,
    project_id: int | None = None,
    enqueue: bool = True,
) -> list[AlertDelivery]:
    """Record one alert as a pending delivery per configured channel; return the deliveries.

    `kind` names the alert (`error.new_critical`, `error.regression`, `error.spike`,
    `health.status_changed`…), `title` is the one-line summary a person reads first, and
    `payload` the JSON details. An alert about project `project_id` goes to that project's
    webhook and addresses where it has its own, else to ALERT_WEBHOOK_URL and ALERT_EMAILS;
    one without a project (health) goes to the settings'. With `enqueue`, each delivery's
    task is enqueued after the current transaction commits; without it, the caller attempts
    them. A delivery whose enqueue fails is attempted by the every-minute catch-up. With no
    channel configured nothing is recorded.
    """
    now = timezone.now()
    project = Project.objects.filter(pk=project_id).first() if project_id else None
    deliveries = [
        AlertDelivery.objects.create(
            kind=kind,
            title=title[:300],
            payload=payload,
            channel=channel,
            project=project,
            next_attempt_at=now,
        )
        for channel in _configured_channels(project)
    ]
    if enqueue:
        for delivery in deliveries:
            task_enqueue_on_commit(task=tasks.alert_deliver_task, args=(delivery.pk,))
    return deliveries


def _webhook_url(project: Project | None) -> str:
    """Where `project`'s alerts go as JSON: its own receiver, else ALERT_WEBHOOK_URL."""
    return (project and project.alert_webhook_url) or settings.ALERT_WEBHOOK_URL


def _email_addresses(project: Project | None) -> list[str]:
    """Who gets `project`'s alerts by e-mail: its own addresses, else ALERT_EMAILS."""
    own = project.alert_email_list() if project else []
    return own or list(settings.ALERT_EMAILS)


def _configured_channels(project: Project | None) -> list[str]:
    channels = []
    if _webhook_url(project):
        channels.append(AlertChannel.WEBHOOK)
    if _email_addresses(project):
        channels.append(AlertChannel.EMAIL)
    return channels


def alert_delivery_attempt(*, delivery_id: int) -> bool:
    """Try one delivery if it is due; return whether it was sent.

    The attempt is claimed by moving the delivery's next attempt a lease ahead in one
    conditional UPDATE, so two workers never try the same delivery at once, on PostgreSQL
    and SQLite alike, and no lock is held while the receiver answers. A failure schedules
    the next try with exponential backoff, or gives the delivery up after MAX_ATTEMPTS.
    """
    config = settings.ALERTS
    now = timezone.now()
    claimed = AlertDelivery.objects.filter(pk=delivery_id, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=config["LEASE_SECONDS"]),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    delivery = AlertDelivery.objects.select_related("project").get(pk=delivery_id)
    try:
        _send(delivery)
    except _ChannelNotConfigured as error:
        _give_up(delivery, reason=str(error))
        return False
    except Exception as error:
        _record_failure(delivery, reason=_failure_text(error))
        return False
    AlertDelivery.objects.filter(pk=delivery_id).update(
        status=AlertDeliveryStatus.SENT,
        next_attempt_at=None,
        finished_at=timezone.now(),
        last_error="",
    )
    return True


def alert_deliveries_attempt_due(*, limit: int = DUE_BATCH_SIZE) -> int:
    """Try the deliveries that are due, oldest due first, at most `limit`; return how many
    were sent."""
    due = list(
        AlertDelivery.objects.filter(next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(alert_delivery_attempt(delivery_id=delivery_id) for delivery_id in due)


def _document(delivery: AlertDelivery) -> dict:
    return {"kind": delivery.kind, "title": delivery.title, **delivery.payload}


def _send(delivery: AlertDelivery) -> None:
    """Send `delivery` to its channel, as its project's routing says now (a receiver fixed in
    the meantime gets the retry); raise when the receiver did not accept it."""
    config = settings.ALERTS
    document = _document(delivery)
    if delivery.channel == AlertChannel.WEBHOOK:
        url = _webhook_url(delivery.project)
        if not url:
            raise _ChannelNotConfigured(
                "Neither the project's alert webhook nor ALERT_WEBHOOK_URL is set any more."
            )
        request = urllib.request.Request(
            url,
            data=json.dumps(document, default=str).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "telemetry-monitoring"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=config["WEBHOOK_TIMEOUT_SECONDS"]) as answer:
            if not 200 <= answer.status < 300:
                raise http.client.HTTPException(f"the receiver answered HTTP {answer.status}")
    elif delivery.channel == AlertChannel.EMAIL:
        addresses = _email_addresses(delivery.project)
        if not addresses:
            raise _ChannelNotConfigured(
                "Neither the project's alert e-mails nor ALERT_EMAILS are set any more."
            )
        send_mail(
            subject=f"[telemetry] {delivery.title}",
            message=json.dumps(document, indent=2, default=str),
            from_email=None,
            recipient_list=addresses,
            connection=get_connection(timeout=config["EMAIL_TIMEOUT_SECONDS"]),
        )


def _failure_text(error: BaseException) -> str:
    return scrub_text(f"{type(error).__name__}: {error}", max_length=480)


def _record_failure(delivery: AlertDelivery, *, reason: str) -> None:
    config = settings.ALERTS
    if delivery.attempts >= config["MAX_ATTEMPTS"]:
        _give_up(delivery, reason=reason)
        return
    delay = min(
        config["BACKOFF_BASE_SECONDS"] * 2 ** (delivery.attempts - 1),
        config["BACKOFF_MAX_SECONDS"],
    )
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=AlertDeliveryStatus.RETRYING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=reason,
    )
    logger.warning(
        "Alert delivery %s (%s by %s) failed on attempt %d, retrying in %d s: %s",
        delivery.pk,
        delivery.kind,
        delivery.channel,
        delivery.attempts,
        delay,
        reason,
    )


def _give_up(delivery: AlertDelivery, *, reason: str) -> None:
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=AlertDeliveryStatus.FAILED,
        next_attempt_at=None,
        finished_at=timezone.now(),
        last_error=reason,
    )
    logger.error(
        "Alert delivery %s (%s by %s) given up after %d attempts: %s. Alert: %s",
        delivery.pk,
        delivery.kind,
        delivery.channel,
        delivery.attempts,
        reason,
        delivery.title,
    )


def alert_deliveries_retry(*, delivery_ids: list[int]) -> int:
    """Give the given-up deliveries among `delivery_ids` a fresh round of tries, due now (the
    receiver was fixed); return how many."""
    return AlertDelivery.objects.filter(
        pk__in=delivery_ids, status=AlertDeliveryStatus.FAILED
    ).update(
        status=AlertDeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        finished_at=None,
    )


def alert_send_unrecorded(*, kind: str, title: str, payload: dict) -> dict:
    """Send an alert to every configured channel once, now, without recording it (for when the
    database itself is failing); return which channels took it."""
    accepted = {}
    for channel in _configured_channels(None):
        delivery = AlertDelivery(kind=kind, title=title[:300], payload=payload, channel=channel)
        try:
            _send(delivery)
        except Exception as error:
            logger.error(
                "Unrecorded alert %s by %s failed: %s", kind, channel, _failure_text(error)
            )
            accepted[channel] = False
        else:
            accepted[channel] = True
    return accepted


def alert_delivery_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete sent and given-up deliveries older than ALERTS["RETENTION_DAYS"]."""
    cutoff = retention_cutoff(days=settings.ALERTS["RETENTION_DAYS"])
    expired = AlertDelivery.objects.filter(created_at__lt=cutoff, next_attempt_at__isnull=True)
    return retention_purge(expired, dry_run=dry_run, batch_size=batch_size, progress=progress)
