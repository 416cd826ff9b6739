"""The batch insert path (COPY on PostgreSQL, bulk INSERT elsewhere) stores every field."""

import json
from datetime import UTC, datetime

import pytest

from telemetry.models import TelemetryEvent

pytestmark = pytest.mark.django_db

FULL_EVENT = {
    "type": "api_call",
    "page": "https://app.example.com/projects/98765/board?tab=1",
    "action": "load board",
    "duration": 420,
    "metadata": {"endpoint": "/api/items", "nested": {"ok": [1, 2.5, None, True]}, "q": "a\tb\\c"},
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "platform": "Linux",
    "sessionId": "s-1",
    "userId": "user_1",
    "anonymousId": "anon_1",
    "deviceType": "Desktop",
    "region": "eu-west",
    "timestamp": "2025-10-22T10:30:00+02:00",
}


def test_batch_storage__every_field_of_a_full_event_is_stored(api_client):
    response = api_client.post(
        "/api/telemetry/batch",
        data=json.dumps({"events": [FULL_EVENT, {"type": "page_view"}]}),
        content_type="application/json",
    )
    assert response.json()["recorded"] == 2
    full, bare = TelemetryEvent.objects.order_by("id")
    assert (full.type, full.page, full.action, full.duration) == (
        "api_call",
        "https://app.example.com/projects/[id]/board",
        "load board",
        420,
    )
    assert full.metadata == FULL_EVENT["metadata"]
    assert (full.user_agent, full.platform, full.device_type) == (
        FULL_EVENT["userAgent"],
        "Linux",
        "desktop",
    )
    assert (full.session_id, full.user_id, full.anonymous_id, full.region) == (
        "s-1",
        "user_1",
        "anon_1",
        "eu-west",
    )
    assert full.client_timestamp == datetime(2025, 10, 22, 8, 30, tzinfo=UTC)
    assert full.created_at == bare.created_at
    assert (bare.page, bare.metadata, bare.duration, bare.client_timestamp) == (
        "",
        None,
        None,
        None,
    )


def test_batch_storage__nul_characters_in_metadata_are_dropped_not_a_500(api_client):
    event = {"type": "action", "metadata": {"a\u0000b": "x\u0000y", "list": ["\u0000"]}}
    response = api_client.post(
        "/api/telemetry/batch",
        data=json.dumps({"events": [event]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["recorded"] == 1
    assert TelemetryEvent.objects.get().metadata == {"ab": "xy", "list": [""]}
