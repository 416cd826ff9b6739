"""Alerts: new critical group, regression and spike, delivered by a Celery task to a real
local HTTP receiver and by e-mail, at most one per group per hour; a delivery outlives a
failing receiver and a hung broker."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from errors.grouping import error_fingerprint
from errors.models import ErrorHourlyCount, ErrorLog
from errors.services import error_status_set
from tests.errors.conftest import report
from tests.errors.factories import ErrorLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(http_receiver, settings, celery_in_process):
    url, received = http_receiver
    settings.ALERT_WEBHOOK_URL = f"{url}/hooks/alerts"
    return received


def alerts(received):
    return [json.loads(item["body"]) for item in received]


def test_alert__new_critical_group_posts_json_to_the_webhook_once(
    api_client, webhook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, {"errorType": "DbDown", "message": "no db", "severity": "critical"})
        report(api_client, {"errorType": "DbDown", "message": "no db", "severity": "critical"})
        report(api_client, {"errorType": "Minor", "message": "meh", "severity": "error"})
    sent = alerts(webhook)
    assert len(sent) == 1
    assert webhook[0]["path"] == "/hooks/alerts"
    assert webhook[0]["headers"]["Content-Type"] == "application/json"
    assert sent[0]["kind"] == "error.new_critical"
    assert sent[0]["title"] == "New critical error: DbDown: no db"
    assert sent[0]["errorId"] == str(ErrorLog.objects.get(error_type="DbDown").pk)
    # The alert describes the group as the digest that raised it counted it: the digest sent
    # when the block committed counts both DbDown reports at once.
    assert (sent[0]["severity"], sent[0]["frequency"]) == ("critical", 2)
    error = ErrorLog.objects.get(error_type="DbDown")
    assert {key: value for key, value in sent[0].items() if key not in ("kind", "title")} == {
        "errorId": str(error.pk),
        "project": "default",
        "errorType": "DbDown",
        "message": "no db",
        "severity": "critical",
        "status": error.status,
        "frequency": 2,
        "usersAffected": error.users_affected,
        "firstSeen": error.first_seen.isoformat(),
        "lastSeen": sent[0]["lastSeen"],
        "buildId": error.build_id,
        "environment": error.environment,
        "resolvedInBuild": "",
    }
    assert sent[0]["lastSeen"].endswith("+00:00")


def test_alert__regression_is_sent_and_a_same_build_report_is_not(
    api_client, webhook, django_capture_on_commit_callbacks
):
    body = {"errorType": "E", "message": "m", "buildId": "b1"}
    report(api_client, body)
    error_status_set(error_ids=[ErrorLog.objects.get().pk], status="resolved", source="in a test")[
        0
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, body)
    assert alerts(webhook) == []
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, {**body, "buildId": "b2"})
    sent = alerts(webhook)
    assert [alert["kind"] for alert in sent] == ["error.regression"]
    assert (sent[0]["status"], sent[0]["resolvedInBuild"], sent[0]["buildId"]) == (
        "regressed",
        "b1",
        "b2",
    )


def test_alert__at_most_one_per_group_per_hour(
    api_client, webhook, django_capture_on_commit_callbacks
):
    critical = {"errorType": "E", "message": "m", "severity": "critical", "buildId": "b1"}
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, critical)
    error = ErrorLog.objects.get()
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, {**critical, "buildId": "b2"})
    assert [alert["kind"] for alert in alerts(webhook)] == ["error.new_critical"]

    ErrorLog.objects.update(last_alerted_at=timezone.now() - timedelta(minutes=61))
    error_status_set(error_ids=[error.pk], status="resolved", source="in a test")
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, {**critical, "buildId": "b3"})
    assert [alert["kind"] for alert in alerts(webhook)] == [
        "error.new_critical",
        "error.regression",
    ]


def test_alert__also_by_email(
    api_client, settings, mailoutbox, celery_in_process, django_capture_on_commit_callbacks
):
    settings.ALERT_EMAILS = ["ops@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, {"errorType": "DbDown", "message": "no db", "severity": "critical"})
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ops@example.com"]
    assert mailoutbox[0].subject == "[telemetry] New critical error: DbDown: no db"
    assert '"kind": "error.new_critical"' in mailoutbox[0].body


def spike_setup(settings, usual_per_hour):
    """Create the "checkout" group, seen for two days at `usual_per_hour` reports an hour."""
    settings.ERRORS = {**settings.ERRORS, "SPIKE_MIN_COUNT": 10, "SPIKE_FACTOR": 5}
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    error = ErrorLogFactory(
        error_type="E",
        fingerprint=error_fingerprint(error_type="E", message="m", client_fingerprint="checkout"),
        first_seen=now - timedelta(days=2),
        frequency=100,
    )
    ErrorHourlyCount.objects.bulk_create(
        ErrorHourlyCount(error=error, hour=hour - timedelta(hours=h), count=usual_per_hour)
        for h in range(1, 25)
    )


def test_alert__spike_when_an_hour_is_several_times_the_usual(
    api_client, webhook, settings, django_capture_on_commit_callbacks
):
    spike_setup(settings, usual_per_hour=2)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            report(api_client, {"errorType": "E", "message": "m", "fingerprint": "checkout"})
    sent = alerts(webhook)
    assert [alert["kind"] for alert in sent] == ["error.spike"]
    assert sent[0]["title"].startswith("Error spike: E")


def test_alert__no_spike_at_the_usual_rate(
    api_client, webhook, settings, django_capture_on_commit_callbacks
):
    spike_setup(settings, usual_per_hour=4)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            report(api_client, {"errorType": "E", "message": "m", "fingerprint": "checkout"})
    assert alerts(webhook) == []


def test_alert__a_brand_new_group_is_not_a_spike(
    api_client, webhook, settings, django_capture_on_commit_callbacks
):
    settings.ERRORS = {**settings.ERRORS, "SPIKE_MIN_COUNT": 10}
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            report(api_client, {"errorType": "E", "message": "m"})
    assert alerts(webhook) == []


def test_alert__ignored_groups_never_alert(api_client, webhook, django_capture_on_commit_callbacks):
    body = {"errorType": "E", "message": "m", "buildId": "b1", "severity": "critical"}
    report(api_client, body)
    error_status_set(error_ids=[ErrorLog.objects.get().pk], status="ignored", source="in a test")
    with django_capture_on_commit_callbacks(execute=True):
        report(api_client, {**body, "buildId": "b2"})
    assert alerts(webhook) == []
