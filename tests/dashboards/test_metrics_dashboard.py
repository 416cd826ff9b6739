"""/admin/metrics/ and its JSON endpoint: numbers that agree with GET /api/telemetry, series per
hour or day (from raw events and from roll-ups), the recent-events feed, empty windows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telemetry.aggregation import telemetry_rollup
from tests.factories import TelemetryEventFactory
from tests.telemetry.factories import exact_percentile, generate_events

pytestmark = pytest.mark.django_db

PAGE = "/admin/metrics/"
DATA = "/admin/metrics/data.json"


def data(client, **params):
    response = client.get(DATA, params)
    assert response.status_code == 200, response.content
    return response.json()


def without_clock(metrics):
    return {k: v for k, v in metrics.items() if k != "generatedAt"}


def test_metrics_page__renders_the_window_picker_charts_and_refresh_interval(
    admin_client_logged_in,
):
    html = admin_client_logged_in.get(PAGE, {"window": "30d", "refresh": "2"}).content.decode()
    assert 'data-window="30d"' in html
    assert 'data-refresh-seconds="2"' in html
    for window in ("24h", "7d", "30d", "90d"):
        assert f'href="?window={window}"' in html
    for canvas in ("chart-events", "chart-types", "chart-devices", "chart-latency"):
        assert f'<canvas id="{canvas}"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    # A bad window or interval falls back to the defaults.
    fallback = admin_client_logged_in.get(PAGE, {"window": "1y", "refresh": "0"}).content.decode()
    assert 'data-window="7d"' in fallback and 'data-refresh-seconds="30"' in fallback


def test_metrics_data__empty_database_answers_zeros(admin_client_logged_in):
    answer = data(admin_client_logged_in, window="7d")
    assert answer["metrics"]["totalEvents"] == 0
    assert answer["series"]["bucket"] == "day"
    assert len(answer["series"]["labels"]) == 7
    assert answer["series"]["byType"] == {}
    assert answer["series"]["apiCalls"]["p95"] == [None] * 7
    assert answer["recentEvents"] == []
    assert answer["activeSessions"] == 0


@pytest.mark.parametrize(("window", "days"), [("24h", 1), ("7d", 7), ("30d", 30)])
def test_metrics_data__metrics_agree_with_the_telemetry_api(
    admin_client_logged_in, staff_client, window, days
):
    now = timezone.now()
    generate_events(now=now, days=8, per_day=60)
    api = staff_client.get("/api/telemetry", {"days": days}).json()
    answer = data(admin_client_logged_in, window=window)
    assert without_clock(answer["metrics"]) == without_clock(api)
    series = answer["series"]
    # The series add up to the same totals, type by type.
    assert {t: sum(counts) for t, counts in series["byType"].items()} == api["byType"]
    assert series["bucket"] == ("hour" if days == 1 else "day")


def test_metrics_data__series_is_the_same_from_rollups_as_from_raw_events(
    admin_client_logged_in,
):
    now = timezone.now()
    generate_events(now=now, days=6, per_day=80)
    raw = data(admin_client_logged_in, window="7d")
    telemetry_rollup(since=None)
    rolled = data(admin_client_logged_in, window="7d")
    assert rolled["metrics"]["rolledUpUntil"] is not None
    assert rolled["series"] == raw["series"]


def test_metrics_data__hourly_api_call_percentiles_are_within_one_percent(
    admin_client_logged_in,
):
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    durations = list(range(10, 1010, 10))
    for duration in durations:
        TelemetryEventFactory(type="api_call", duration=duration, created_at=hour)
    series = data(admin_client_logged_in, window="24h")["series"]
    position = series["labels"].index(hour.isoformat())
    for name, quantile in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        exact = exact_percentile(durations, quantile)
        assert abs(series["apiCalls"][name][position] - exact) <= exact * 0.01
    assert series["byType"]["api_call"][position] == 100


def test_metrics_data__recent_events_and_active_sessions(admin_client_logged_in):
    now = timezone.now()
    TelemetryEventFactory(type="page_view", page="/old", created_at=now - timedelta(hours=1))
    TelemetryEventFactory(type="action", page="/new", session_id="s1", created_at=now)
    TelemetryEventFactory(type="page_view", page="/new", session_id="s1", created_at=now)
    answer = data(admin_client_logged_in, window="24h")
    assert [event["page"] for event in answer["recentEvents"]] == ["/new", "/new", "/old"]
    assert set(answer["recentEvents"][0]) == {
        "type",
        "page",
        "action",
        "duration",
        "deviceType",
        "createdAt",
    }
    assert answer["activeSessions"] == 1
