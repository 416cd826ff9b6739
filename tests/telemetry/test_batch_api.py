"""POST /api/telemetry/batch: the contract's shapes, partial success, every 4xx, privacy."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from telemetry.models import TelemetryEvent

URL = "/api/telemetry/batch"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

pytestmark = pytest.mark.django_db


def post(client, body, **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def test_batch__seed_example_answers_as_the_seed_shows(api_client):
    body = {
        "events": [
            {
                "type": "page_view",
                "page": "/flow",
                "sessionId": "abc123",
                "userId": "user_456",
                "deviceType": "desktop",
                "metadata": {"referrer": "/home"},
            }
        ]
    }
    response = post(api_client, body)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "recorded": 1,
        "failed": 0,
        "total": 1,
        "errors": [],
    }
    event = TelemetryEvent.objects.get()
    assert (event.type, event.page, event.session_id, event.user_id) == (
        "page_view",
        "/flow",
        "abc123",
        "user_456",
    )
    assert event.metadata == {"referrer": "/home"}


def test_batch__partial_success_keeps_valid_events_and_reports_invalid_by_index(api_client):
    body = {
        "events": [
            {"type": "page_view", "page": "/a"},
            {"type": "teleport"},
            {"page": "/no-type"},
            {"type": "api_call", "duration": -5},
            "not an object",
            {"type": "action", "action": "click"},
        ]
    }
    response = post(api_client, body)
    assert response.status_code == 200
    data = response.json()
    assert (data["recorded"], data["failed"], data["total"]) == (2, 4, 6)
    assert [error["index"] for error in data["errors"]] == [1, 2, 3, 4]
    assert "type" in data["errors"][0]["errors"]
    assert "type" in data["errors"][1]["errors"]
    assert "duration" in data["errors"][2]["errors"]
    assert sorted(TelemetryEvent.objects.values_list("type", flat=True)) == ["action", "page_view"]


@pytest.mark.parametrize("count", [1, 37, 100])
def test_batch__n_valid_events_store_n_rows_in_a_constant_number_of_queries(api_client, count):
    body = {"events": [{"type": "page_view", "page": f"/p/{i}"} for i in range(count)]}
    with CaptureQueriesContext(connection) as queries:
        response = post(api_client, body)
    assert response.json()["recorded"] == count
    assert TelemetryEvent.objects.count() == count
    # One bulk INSERT (SQLite may split it by its parameter limit), nothing per event.
    assert len(queries) <= 3


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("{not json", "not valid JSON"),
        ("", "empty"),
        ('["a list"]', '"events" list'),
        ('{"events": "nope"}', '"events" list'),
        ('{"events": []}', "empty"),
        (json.dumps({"events": [{"type": "action"}] * 101}), "at most 100"),
    ],
)
def test_batch__malformed_bodies_get_400_with_a_sentence(api_client, raw, sentence):
    response = api_client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert sentence in body["error"]
    assert "details" in body
    assert TelemetryEvent.objects.count() == 0


def test_batch__text_plain_body_from_send_beacon_is_accepted(api_client):
    raw = json.dumps({"events": [{"type": "session_end", "sessionId": "s1", "duration": 1200}]})
    response = api_client.post(URL, data=raw, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200
    assert response.json()["recorded"] == 1
    assert TelemetryEvent.objects.get().duration == 1200


def test_batch__body_over_one_mebibyte_gets_413(api_client):
    padding = "x" * 1000
    body = {"events": [{"type": "action", "action": "a", "metadata": {"p": padding}}] * 100}
    raw = json.dumps({**body, "filler": "y" * (1024 * 1024)})
    response = api_client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert TelemetryEvent.objects.count() == 0


def test_batch__rate_limit_answers_429_with_retry_after(api_client, settings, one_rate_window):
    settings.TELEMETRY = {**settings.TELEMETRY, "RATE_LIMIT_REQUESTS": 3}
    body = {"events": [{"type": "page_view"}]}
    statuses = [post(api_client, body).status_code for _ in range(3)]
    limited = post(api_client, body)
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many requests" in limited.json()["error"]
    assert TelemetryEvent.objects.count() == 3
    # Another client is not affected by the first one's limit.
    assert post(api_client, body, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_batch__disabled_recording_stores_nothing_and_says_so(api_client, settings):
    settings.TELEMETRY = {**settings.TELEMETRY, "ENABLED": False}
    response = post(api_client, {"events": [{"type": "page_view"}, {"type": "action"}]})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "recorded": 0,
        "failed": 0,
        "total": 2,
        "errors": [],
        "disabled": True,
    }
    assert TelemetryEvent.objects.count() == 0


def test_batch__extra_event_types_can_be_allowed_by_setting(api_client, settings):
    assert post(api_client, {"events": [{"type": "checkout"}]}).json()["failed"] == 1
    settings.TELEMETRY = {**settings.TELEMETRY, "EXTRA_EVENT_TYPES": ["checkout"]}
    assert post(api_client, {"events": [{"type": "checkout"}]}).json()["recorded"] == 1


def test_batch__enrichment_from_the_request_user_agent(api_client):
    response = post(
        api_client,
        {"events": [{"type": "page_view"}, {"type": "page_view", "deviceType": "Tablet"}]},
        HTTP_USER_AGENT=IPHONE,
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.json()["recorded"] == 2
    derived, explicit = TelemetryEvent.objects.order_by("id")
    assert (derived.user_agent, derived.device_type, derived.platform) == (IPHONE, "mobile", "iOS")
    assert explicit.device_type == "tablet"
    # The client's address is in no column.
    for event in (derived, explicit):
        assert "203.0.113.7" not in json.dumps(
            {f.name: str(getattr(event, f.name)) for f in event._meta.fields}
        )


def test_batch__client_user_agent_wins_over_the_header(api_client):
    post(
        api_client,
        {
            "events": [
                {
                    "type": "page_view",
                    "userAgent": "Googlebot/2.1 (+http://www.google.com/bot.html)",
                }
            ]
        },
        HTTP_USER_AGENT=IPHONE,
    )
    event = TelemetryEvent.objects.get()
    assert event.device_type == "bot"
    assert event.user_agent.startswith("Googlebot")


def test_batch__secrets_in_page_and_metadata_are_not_stored(api_client):
    secret_event = {
        "type": "page_view",
        "page": "https://app.example.com/users/12345/invoices/5f3c2a9e-1b2c-4d5e-8f90-123456789abc"
        "?token=hunter2&email=ann@example.com#access_token=abc",
        "userId": "ann@example.com",
        "metadata": {
            "password": "hunter2",
            "Authorization": "Bearer sk_live_abc",
            "nested": {"apiKey": "k-123", "creditCard": "4111 1111 1111 1111", "plan": "pro"},
            "note": "mail bob@example.org, card 4111-1111-1111-1111, Bearer eyJhbGciOi.x.y",
            "list": [{"session_token": "t"}, {"ok": 1}],
        },
    }
    assert post(api_client, {"events": [secret_event]}).json()["recorded"] == 1
    event = TelemetryEvent.objects.get()
    stored = json.dumps(
        {f.name: str(getattr(event, f.name)) for f in event._meta.fields} | {"m": event.metadata}
    )
    for secret in (
        "hunter2",
        "ann@example.com",
        "sk_live_abc",
        "k-123",
        "4111",
        "bob@example.org",
        "12345",
        "5f3c2a9e",
        "token=",
        "access_token",
        "eyJhbGciOi",
    ):
        assert secret not in stored, secret
    assert event.page == "https://app.example.com/users/[id]/invoices/[id]"
    assert event.metadata["password"] == "[Filtered]"
    assert event.metadata["nested"] == {
        "apiKey": "[Filtered]",
        "creditCard": "[Filtered]",
        "plan": "pro",
    }
    assert event.metadata["list"] == [{"session_token": "[Filtered]"}, {"ok": 1}]
    assert event.user_id.startswith("hash:")


def test_batch__oversized_fields_are_refused_per_event(api_client):
    body = {
        "events": [
            {"type": "action", "metadata": {"blob": "x" * 9000}},
            {"type": "action", "sessionId": "s" * 129},
            {"type": "action"},
        ]
    }
    data = post(api_client, body).json()
    assert (data["recorded"], data["failed"]) == (1, 2)
    assert "metadata" in data["errors"][0]["errors"]
    assert "sessionId" in data["errors"][1]["errors"]


def test_batch__cors_allows_configured_origins_only(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    allowed = api_client.options(
        URL,
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    refused = api_client.options(
        URL, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in refused


def test_batch__get_is_not_allowed_in_the_error_shape(api_client):
    response = api_client.get(URL)
    assert response.status_code == 405
    assert response.json()["success"] is False
