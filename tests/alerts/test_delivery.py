"""Alert deliveries: recorded with what caused them, retried with backoff after a failing
receiver (an HTTP 500, a refused connection, a hang), sent exactly once when it recovers, given
up visibly after the bound, never tried by two workers at once, purged by retention."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from alerts.models import AlertDelivery
from alerts.services import alert_create, alert_delivery_attempt
from alerts.tasks import alert_deliver_due_task
from tests.errors.conftest import report

pytestmark = pytest.mark.django_db

CRITICAL = {"errorType": "DbDown", "message": "no db", "severity": "critical"}


def make_due():
    """Let the retry time of every waiting delivery arrive."""
    AlertDelivery.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now()
    )


def attempt_due():
    """Run the every-minute catch-up task, as Celery beat does."""
    return alert_deliver_due_task.apply().get()


def test_alert_delivery__retried_after_500_refused_and_hang_until_the_receiver_takes_it(
    api_client, receiver, celery_in_process, django_capture_on_commit_callbacks
):
    receiver.script = ["500", "hang"]
    with django_capture_on_commit_callbacks(execute=True):
        assert report(api_client, CRITICAL).status_code == 201
    delivery = AlertDelivery.objects.get()
    assert (delivery.kind, delivery.channel, delivery.status) == (
        "error.new_critical",
        "webhook",
        "retrying",
    )
    assert delivery.attempts == 1
    assert "500" in delivery.last_error
    assert receiver.accepted == []

    receiver.refuse()
    make_due()
    assert attempt_due() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("retrying", 2)
    assert "refused" in delivery.last_error.lower()

    receiver.reopen()
    make_due()
    started = time.monotonic()
    assert attempt_due() == 0
    assert time.monotonic() - started < 3, "a hung receiver must cost one bounded timeout"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("retrying", 3)
    assert "timed out" in delivery.last_error

    make_due()
    assert attempt_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 4, "")
    assert delivery.next_attempt_at is None and delivery.finished_at is not None
    assert [alert["title"] for alert in receiver.accepted] == ["New critical error: DbDown: no db"]

    make_due()
    assert attempt_due() == 0
    assert len(receiver.accepted) == 1, "a sent delivery is never sent again"
    assert receiver.requests == 3  # the 500, the hang and the success; the refusal never arrived


def test_alert_delivery__backs_off_exponentially_up_to_the_cap(receiver, settings):
    settings.ALERTS = {
        **settings.ALERTS,
        "MAX_ATTEMPTS": 10,
        "BACKOFF_BASE_SECONDS": 60,
        "BACKOFF_MAX_SECONDS": 600,
    }
    receiver.script = ["500"] * 6
    (delivery,) = alert_create(kind="test.kind", title="Test", payload={}, enqueue=False)
    delays = []
    for _ in range(6):
        before = timezone.now()
        alert_delivery_attempt(delivery_id=delivery.pk)
        after = timezone.now()
        delivery.refresh_from_db()
        low = (delivery.next_attempt_at - after).total_seconds()
        high = (delivery.next_attempt_at - before).total_seconds()
        delays.append(next(d for d in (60, 120, 240, 480, 600) if low - 1 <= d <= high + 1))
        make_due()
    assert delays == [60, 120, 240, 480, 600, 600]


def test_alert_delivery__not_due_is_left_alone(receiver):
    (delivery,) = alert_create(kind="test.kind", title="Test", payload={}, enqueue=False)
    AlertDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert alert_delivery_attempt(delivery_id=delivery.pk) is False
    assert attempt_due() == 0
    assert receiver.requests == 0


def test_alert_delivery__given_up_after_the_bound_visibly(
    api_client, receiver, settings, caplog, admin_client_logged_in
):
    settings.ALERTS = {**settings.ALERTS, "MAX_ATTEMPTS": 3}
    receiver.script = ["500"] * 10
    (delivery,) = alert_create(
        kind="error.spike", title="Error spike: E", payload={}, enqueue=False
    )
    with caplog.at_level(logging.WARNING, logger="alerts.services"):
        for _ in range(5):
            attempt_due()
            make_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.next_attempt_at is None
    assert receiver.requests == 3
    given_up = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(given_up) == 1
    assert "given up after 3 attempts" in given_up[0].getMessage()
    assert "Error spike: E" in given_up[0].getMessage()

    page = admin_client_logged_in.get("/admin/alerts/alertdelivery/", {"status": "failed"})
    assert page.status_code == 200
    assert "Error spike: E" in page.content.decode()
    assert "Given up after 3 tries" in page.content.decode()
    assert (
        "Error spike: E"
        not in admin_client_logged_in.get(
            "/admin/alerts/alertdelivery/", {"status": "sent"}
        ).content.decode()
    )

    health = api_client.get("/api/health/extended").json()
    assert health["status"] == "degraded"
    assert health["alerts"]["givenUp"] == 1
    assert health["alerts"]["latestGivenUp"]["channel"] == "webhook"
    assert any("1 alert delivery was given up" in reason for reason in health["reasons"])


def test_alert_delivery__a_channel_removed_from_the_settings_is_given_up_at_once(
    receiver, settings
):
    (delivery,) = alert_create(kind="test.kind", title="Test", payload={}, enqueue=False)
    settings.ALERT_WEBHOOK_URL = ""
    assert attempt_due() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "failed",
        "Neither the project's alert webhook nor ALERT_WEBHOOK_URL is set any more.",
    )


def test_alert_create__records_nothing_without_a_channel(settings):
    settings.ALERT_WEBHOOK_URL = ""
    settings.ALERT_EMAILS = []
    assert alert_create(kind="test.kind", title="Test", payload={}) == []
    assert not AlertDelivery.objects.exists()


def test_alert_delivery__email_is_retried_while_the_mail_server_refuses(
    settings, closed_port, mailoutbox
):
    settings.ALERT_WEBHOOK_URL = ""
    settings.ALERT_EMAILS = ["ops@example.com"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    (delivery,) = alert_create(kind="test.kind", title="Mail me", payload={"a": 1}, enqueue=False)
    assert attempt_due() == 0
    delivery.refresh_from_db()
    assert (delivery.channel, delivery.status) == ("email", "retrying")
    assert "refused" in delivery.last_error.lower()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due()
    assert attempt_due() == 1
    assert [message.subject for message in mailoutbox] == ["[telemetry] Mail me"]


@pytest.mark.django_db(transaction=True)
def test_alert_delivery__two_workers_never_deliver_the_same_delivery_twice(receiver):
    receiver.script = []
    deliveries = [
        alert_create(kind="test.kind", title=f"Alert {n}", payload={}, enqueue=False)[0]
        for n in range(5)
    ]
    start = threading.Barrier(2)
    sent = []

    def worker():
        start.wait()
        try:
            for delivery in deliveries:
                sent.append(alert_delivery_attempt(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sent.count(True) == 5
    assert sorted(alert["title"] for alert in receiver.accepted) == [f"Alert {n}" for n in range(5)]
    assert set(AlertDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_purge_expired__removes_finished_deliveries_past_retention(settings, receiver):
    settings.ALERTS = {**settings.ALERTS, "RETENTION_DAYS": 30}
    old = timezone.now() - timedelta(days=31)
    sent, waiting = (
        alert_create(kind="test.kind", title=title, payload={}, enqueue=False)[0]
        for title in ("sent", "waiting")
    )
    AlertDelivery.objects.filter(pk=sent.pk).update(
        created_at=old, status="sent", next_attempt_at=None, finished_at=old
    )
    AlertDelivery.objects.filter(pk=waiting.pk).update(created_at=old)
    fresh = alert_create(kind="test.kind", title="fresh", payload={}, enqueue=False)[0]
    AlertDelivery.objects.filter(pk=fresh.pk).update(status="sent", next_attempt_at=None)
    call_command("purge_expired")
    assert set(AlertDelivery.objects.values_list("title", flat=True)) == {"waiting", "fresh"}


def test_alert_delivery_admin__retries_given_up_deliveries_once_the_receiver_is_fixed(
    receiver, settings, admin_client_logged_in
):
    settings.ALERTS = {**settings.ALERTS, "MAX_ATTEMPTS": 1}
    receiver.script = ["500"]
    given_up, sent = (
        alert_create(kind="test.kind", title=title, payload={}, enqueue=False)[0]
        for title in ("given up", "sent")
    )
    assert attempt_due() == 1
    assert AlertDelivery.objects.get(pk=given_up.pk).status == "failed"
    response = admin_client_logged_in.post(
        "/admin/alerts/alertdelivery/",
        {"action": "retry_given_up", "_selected_action": [given_up.pk, sent.pk]},
        follow=True,
    )
    assert "1 given-up deliveries will be tried again" in response.content.decode()
    assert attempt_due() == 1
    assert AlertDelivery.objects.get(pk=given_up.pk).status == "sent"
    assert sorted(alert["title"] for alert in receiver.accepted) == ["given up", "sent"]
