"""/admin/health/: the check run now, each component, and the history of stored checks."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from health.models import HealthSnapshot
from health.services import health_check_run
from tests.errors.factories import error_reported

pytestmark = pytest.mark.django_db

URL = "/admin/health/"


def test_health_dashboard__empty_database_shows_checks_and_an_empty_history(
    admin_client_logged_in,
):
    response = admin_client_logged_in.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="health-status">healthy<' in html
    for check in ("Database", "Cache / Redis", "Celery broker", "Sentry integration"):
        assert f"<td>{check}</td>" in html
    assert "No periodic check has been stored yet." in html
    assert "health-history-data" not in html
    assert "0h " in html  # uptime
    assert Path("VERSION").read_text().strip() in html


def test_health_dashboard__history_charts_read_the_stored_checks(admin_client_logged_in):
    first = health_check_run(store=True)
    second = health_check_run(store=True)
    old = HealthSnapshot.objects.get(pk=first.snapshot_id)
    old.created_at = timezone.now() - timedelta(hours=2)
    old.error_rate = 3.5
    old.save()
    HealthSnapshot.objects.create(
        created_at=timezone.now() - timedelta(days=3), status="healthy", document={}
    )

    html = admin_client_logged_in.get(URL).content.decode()
    embedded = re.search(r'id="health-history-data" type="application/json">(.*?)</script>', html)
    history = json.loads(embedded.group(1))
    assert history["errorRate"] == [3.5, 0.0]
    assert len(history["labels"]) == 2
    assert history["databaseLatencyMs"][1] == second.database.latency_ms
    assert "2 stored checks" in html
    week = admin_client_logged_in.get(URL, {"window": "7d"}).content.decode()
    assert "3 stored checks" in week


def test_index__summary_shows_open_critical_errors_and_the_last_check(admin_client_logged_in):

    error_reported({"errorType": "Crash", "message": "down", "severity": "critical"})
    health_check_run(store=True)
    html = admin_client_logged_in.get("/admin/").content.decode()
    summary = html[html.index('id="dashboards-summary"') : html.index('id="content-main"')]
    assert '<p class="figure bad">1</p>' in summary
    # The one report is the only event of the hour: 100 % errors, so the check is unhealthy.
    assert "100.00 %" in summary
    assert 'status-unhealthy">unhealthy</p>' in summary
