"""The service's own API requests recorded as api_call events, sampled and written in bulk."""

import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from telemetry.middleware import self_telemetry_buffer
from telemetry.models import TelemetryEvent


@pytest.fixture
def recording(settings):
    """Record every API request; the test flushes the buffer itself."""
    settings.TELEMETRY = {**settings.TELEMETRY, "SELF_SAMPLE_RATE": 1.0, "SELF_FLUSH_SECONDS": 0}
    self_telemetry_buffer.clear()
    yield
    self_telemetry_buffer.clear()


@pytest.mark.django_db
def test_middleware__records_route_template_method_status_and_duration(recording, staff_client):
    with CaptureQueriesContext(connection) as queries:
        staff_client.get("/api/telemetry", {"days": "2"})
    writes = [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert writes == []
    staff_client.get("/api/telemetry", {"days": "999"})
    assert self_telemetry_buffer.flush() == 2
    events = TelemetryEvent.objects.order_by("id")
    assert [(e.type, e.page, e.action) for e in events] == [
        ("api_call", "/api/telemetry", "GET")
    ] * 2
    assert [e.metadata["status"] for e in events] == [200, 400]
    assert all(e.duration is not None and e.duration >= 0 for e in events)
    assert "999" not in events[1].page


@pytest.mark.django_db
def test_middleware__skips_ingestion_unknown_routes_and_non_api_paths(recording, api_client):
    body = json.dumps({"events": [{"type": "action"}]})
    api_client.post("/api/telemetry/batch", data=body, content_type="application/json")
    report = json.dumps({"errorType": "E", "message": "m"})
    api_client.post("/api/errors", data=report, content_type="application/json")
    api_client.post(
        "/api/feedback", data=json.dumps({"message": "x"}), content_type="application/json"
    )
    api_client.get("/api/no-such-endpoint")
    api_client.get("/admin/login/")
    assert self_telemetry_buffer.flush() == 0
    assert list(TelemetryEvent.objects.values_list("type", flat=True)) == ["action"]


@pytest.mark.django_db
def test_middleware__sample_rate_zero_or_recording_off_records_nothing(
    recording, settings, api_client
):
    settings.TELEMETRY = {**settings.TELEMETRY, "SELF_SAMPLE_RATE": 0.0}
    api_client.get("/api/health")
    settings.TELEMETRY = {**settings.TELEMETRY, "SELF_SAMPLE_RATE": 1.0, "ENABLED": False}
    api_client.get("/api/health")
    assert self_telemetry_buffer.flush() == 0


@pytest.mark.django_db
def test_middleware__full_buffer_drops_events_instead_of_growing(recording, settings, api_client):
    settings.TELEMETRY = {**settings.TELEMETRY, "SELF_BUFFER_MAX": 3}
    dropped = self_telemetry_buffer.dropped
    for _ in range(5):
        api_client.get("/api/health")
    assert self_telemetry_buffer.dropped == dropped + 2
    assert self_telemetry_buffer.flush() == 3


@pytest.mark.django_db(transaction=True)
def test_middleware__background_thread_writes_the_buffer(recording, settings, api_client):
    settings.TELEMETRY = {**settings.TELEMETRY, "SELF_FLUSH_SECONDS": 0.05}
    written = self_telemetry_buffer.written
    response = api_client.get("/api/health")
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    # Not polling the table: SQLite's shared in-memory test database locks it while written.
    while self_telemetry_buffer.written == written and time.monotonic() < deadline:
        time.sleep(0.05)
    assert self_telemetry_buffer.written == written + 1
    self_telemetry_buffer.stop()
    assert TelemetryEvent.objects.get().page == "/api/health"
