"""GET /api/telemetry: staff only, bad parameters, and numbers that match an exact computation,
from raw events and from roll-ups after the raw events are purged."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from telemetry.aggregation import telemetry_rollup
from telemetry.models import TelemetryAggregate, TelemetryEvent
from telemetry.selectors import ApiCallMetrics, DayCount, PageCount, Quantiles, TelemetryMetrics
from telemetry.serializers import TelemetryMetricsSerializer
from tests.factories import TelemetryEventFactory
from tests.telemetry.factories import exact_percentile, generate_events

URL = "/api/telemetry"

pytestmark = pytest.mark.django_db


def metrics(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def assert_close(actual, expected, *, relative=0.01):
    assert actual is not None
    assert abs(actual - expected) <= relative * expected + 1e-9, (actual, expected)


def assert_matches_exact(answer, generated, *, days, now, event_type=None):
    first_day = now.date() - timedelta(days=days - 1)
    events = [e for e in generated.of(event_type) if e.created_at.date() >= first_day]
    assert answer["totalEvents"] == len(events)
    assert answer["byType"] == dict(Counter(e.type for e in events))
    by_day = Counter(e.created_at.date().isoformat() for e in events)
    window = [(first_day + timedelta(days=n)).isoformat() for n in range(days)]
    assert answer["byDay"] == [{"date": day, "count": by_day[day]} for day in window]
    devices = Counter(e.device_type or "unknown" for e in events)
    assert answer["byDeviceType"] == dict(devices)
    page_type = event_type or "page_view"
    pages = Counter(e.page for e in events if e.type == page_type)
    assert {p["page"]: p["count"] for p in answer["topPages"]} == dict(pages)
    assert answer["uniqueSessions"] == len({e.session_id for e in events})
    assert answer["uniqueUsers"] == len({e.user_id for e in events} - {""})
    durations = [e.duration for e in events if e.duration is not None]
    for key, quantile in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        assert_close(answer[key], exact_percentile(durations, quantile))
    api = [e.duration for e in generated.of("api_call") if e.created_at.date() >= first_day]
    assert answer["apiCalls"]["count"] == len(api)
    assert answer["apiCalls"]["avg"] == round(sum(api) / len(api), 2)
    for key, quantile in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        assert_close(answer["apiCalls"][key], exact_percentile(api, quantile))


@pytest.fixture
def now():
    return timezone.now()


def test_metrics_api__anonymous_gets_401_and_non_staff_403(api_client, user_client):
    anonymous = api_client.get(URL)
    assert anonymous.status_code == 401
    assert anonymous.json()["success"] is False
    non_staff = user_client.get(URL)
    assert non_staff.status_code == 403
    assert non_staff.json()["error"] == "Staff access is required."


def test_metrics_api__staff_token_and_session_are_accepted(api_client, client, staff_user):
    token = Token.objects.create(user=staff_user)
    assert api_client.get(URL, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    client.force_login(staff_user)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"days": "0"}, "days: must be a whole number from 1 to 365."),
        ({"days": "366"}, "days: must be a whole number from 1 to 365."),
        ({"days": "week"}, "days: must be a whole number from 1 to 365."),
        ({"type": "teleport"}, 'type: "teleport" is not a valid choice.'),
    ],
)
def test_metrics_api__bad_parameters_get_400_with_a_sentence(staff_client, params, sentence):
    response = staff_client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"] == f"The request is not valid: {sentence}"


def test_metrics_api__empty_database_answers_zeros_for_every_day(staff_client):
    answer = metrics(staff_client)
    assert answer["totalEvents"] == 0
    assert [day["count"] for day in answer["byDay"]] == [0] * 7
    assert answer["byDay"][-1]["date"] == timezone.now().date().isoformat()
    assert answer["p50"] is None
    assert answer["apiCalls"] == {"count": 0, "p50": None, "p95": None, "p99": None, "avg": None}


def test_metrics_api__days_without_events_are_zero_filled(staff_client, now):
    TelemetryEventFactory(created_at=now)
    TelemetryEventFactory(created_at=now - timedelta(days=3))
    TelemetryEventFactory(created_at=now - timedelta(days=12))
    answer = metrics(staff_client, days=5)
    assert [day["count"] for day in answer["byDay"]] == [0, 1, 0, 0, 1]
    assert answer["totalEvents"] == 2


def test_metrics_api__from_raw_events_match_an_exact_computation(staff_client, now):
    generated = generate_events(now=now, days=6, per_day=400)
    for days, event_type in ((7, None), (3, None), (7, "api_call"), (7, "page_view")):
        params = {"days": days, **({"type": event_type} if event_type else {})}
        answer = metrics(staff_client, **params)
        assert answer["rolledUpUntil"] is None
        assert_matches_exact(answer, generated, days=days, now=now, event_type=event_type)


def test_metrics_api__from_rollups_after_raw_events_are_purged(staff_client, settings, now):
    generated = generate_events(now=now, days=10, per_day=300)
    telemetry_rollup(since=None)
    before = metrics(staff_client, days=10)
    assert before["rolledUpUntil"] is not None
    aggregates = TelemetryAggregate.objects.count()

    settings.TELEMETRY_RETENTION_DAYS = 2
    call_command("purge_expired", stdout=StringIO())
    assert TelemetryEvent.objects.filter(created_at__lt=now - timedelta(days=3)).count() == 0
    assert TelemetryAggregate.objects.count() == aggregates
    # A later run must not replace the purged hours' roll-ups with what is left of them.
    call_command("aggregate_telemetry", "--days", "10", stdout=StringIO())

    for days, event_type in ((10, None), (10, "api_call"), (4, None)):
        params = {"days": days, **({"type": event_type} if event_type else {})}
        after = metrics(staff_client, **params)
        assert_matches_exact(after, generated, days=days, now=now, event_type=event_type)
    after = metrics(staff_client, days=10)
    assert {k: v for k, v in after.items() if k not in {"generatedAt", "rolledUpUntil"}} == {
        k: v for k, v in before.items() if k not in {"generatedAt", "rolledUpUntil"}
    }


def test_metrics_api__sessions_and_users_count_once_across_days_and_sources(staff_client, now):
    two_days_ago = now - timedelta(days=2)
    for created_at in (two_days_ago, now - timedelta(days=1)):
        TelemetryEventFactory(session_id="s-1", user_id="u-1", created_at=created_at)
    TelemetryEventFactory(session_id="s-2", user_id="", type="action", created_at=two_days_ago)
    telemetry_rollup(since=None, now=now)
    # After the roll-up: the same session and user again, from the raw events.
    TelemetryEventFactory(session_id="s-1", user_id="u-1", created_at=now)
    TelemetryEventFactory(session_id="s-3", user_id="u-2", created_at=now)
    answer = metrics(staff_client, days=7)
    assert (answer["uniqueSessions"], answer["uniqueUsers"]) == (3, 2)
    action_only = metrics(staff_client, days=7, type="action")
    assert (action_only["uniqueSessions"], action_only["uniqueUsers"]) == (1, 0)


def test_metrics_api__percentiles_agree_with_postgresql_percentile_disc(
    on_postgres, staff_client, now
):
    generate_events(now=now, days=3, per_day=600, seed=11)
    telemetry_rollup(since=None)
    answer = metrics(staff_client, days=3, type="api_call")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration) "
            "FROM telemetry_telemetryevent WHERE type = 'api_call'"
        )
        exact = cursor.fetchone()[0]
    for key, value in zip(("p50", "p95", "p99"), exact, strict=True):
        assert_close(answer[key], value)


def test_metrics_api__counts_events_of_the_utc_day_they_arrived(staff_client):
    now = timezone.now()
    midnight = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    TelemetryEventFactory(created_at=midnight - timedelta(microseconds=1))
    TelemetryEventFactory(created_at=midnight)
    answer = metrics(staff_client, days=2)
    assert [day["count"] for day in answer["byDay"]] == [1, 1]


def test_metrics_api__large_windows_count_uniques_from_sketches_within_two_percent(
    staff_client, settings, now
):
    settings.TELEMETRY = {**settings.TELEMETRY, "EXACT_UNIQUE_LIMIT": 10}
    generated = generate_events(now=now, days=4, per_day=1500, seed=3)
    telemetry_rollup(since=None)
    TelemetryEventFactory(session_id="after-the-roll-up", created_at=now)
    answer = metrics(staff_client, days=4)
    sessions = {e.session_id for e in generated.events} | {"after-the-roll-up"}
    users = {e.user_id for e in generated.events} - {""}
    assert abs(answer["uniqueSessions"] - len(sessions)) <= 0.02 * len(sessions)
    assert abs(answer["uniqueUsers"] - len(users)) <= 0.02 * len(users)


def test_metrics_serializer__writes_the_documented_shape_with_isoformat_times():
    at = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
    metrics = TelemetryMetrics(
        days=1,
        event_type=None,
        window_start=at,
        generated_at=at + timedelta(hours=5, microseconds=7),
        rolled_up_until=None,
        total_events=3,
        unique_sessions=2,
        unique_users=1,
        by_type={"page_view": 2, "api_call": 1},
        by_day=[DayCount(date=at.date(), count=3)],
        top_pages=[PageCount(page="/", count=2)],
        by_device_type={"desktop": 3},
        durations=Quantiles(p50=10.0, p95=20.5, p99=None),
        api_calls=ApiCallMetrics(count=1, durations=Quantiles(p50=5.0, p95=5.0, p99=5.0), avg=5.0),
    )
    expected = {
        "days": 1,
        "type": None,
        "windowStart": "2026-03-04T00:00:00+00:00",
        "generatedAt": "2026-03-04T05:00:00.000007+00:00",
        "rolledUpUntil": None,
        "totalEvents": 3,
        "uniqueSessions": 2,
        "uniqueUsers": 1,
        "byType": {"page_view": 2, "api_call": 1},
        "byDay": [{"date": "2026-03-04", "count": 3}],
        "topPages": [{"page": "/", "count": 2}],
        "byDeviceType": {"desktop": 3},
        "p50": 10.0,
        "p95": 20.5,
        "p99": None,
        "apiCalls": {"count": 1, "p50": 5.0, "p95": 5.0, "p99": 5.0, "avg": 5.0},
    }
    answer = json.loads(json.dumps(TelemetryMetricsSerializer(metrics).data))
    assert answer == expected
    assert list(answer) == list(expected)
