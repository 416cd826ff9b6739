"""Telemetry per project: events go to their key's project, metrics and health read one project
(exact, from roll-ups as from raw events), the service's own api_call events go to `self`, and
each project keeps its raw events for its own days."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from rest_framework.test import APIClient

from errors.models import ClientKey
from projects.models import DEFAULT_PROJECT_ID, SELF_SLUG, Project
from telemetry.aggregation import telemetry_rollup
from telemetry.middleware import self_telemetry_buffer
from telemetry.models import TelemetryEvent
from tests.factories import TelemetryEventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront():
    project = Project.objects.create(slug="storefront", name="Storefront")
    return project, ClientKey.objects.create(project=project, name="web")


def send_batch(client, events, **extra):
    response = client.post(
        "/api/telemetry/batch",
        data=json.dumps({"events": events}),
        content_type="application/json",
        **extra,
    )
    assert response.status_code == 200, response.content
    return response.json()


def metrics(client, **params):
    response = client.get("/api/telemetry", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_batch__a_key_sends_its_events_to_its_project_and_none_to_the_default(
    api_client, storefront
):
    _, key = storefront
    send_batch(api_client, [{"type": "page_view", "page": "/"}] * 3)
    send_batch(api_client, [{"type": "action"}] * 2, HTTP_X_TELEMETRY_KEY=key.public_key)
    beacon = api_client.post(
        f"/api/telemetry/batch?key={key.public_key}",
        data=json.dumps({"events": [{"type": "action"}]}),
        content_type="text/plain",
    )
    assert beacon.status_code == 200
    counts = dict(
        TelemetryEvent.objects.values_list("project__slug").annotate(n=Count("id")).order_by()
    )
    assert counts == {"default": 3, "storefront": 3}


def test_metrics__each_project_counts_exactly_its_own_events_raw_and_rolled_up(
    api_client, staff_client, storefront
):
    project, key = storefront
    now = timezone.now()
    for day in range(3):
        created = now - timedelta(days=day, minutes=5)
        TelemetryEventFactory.create_batch(
            4 + day,
            type="page_view",
            page="/shop",
            session_id=f"s{day}",
            created_at=created,
            project_id=project.pk,
        )
        TelemetryEventFactory.create_batch(
            7, type="api_call", duration=40 + day, session_id="s0", created_at=created
        )
    expected = {
        "storefront": TelemetryEvent.objects.filter(project=project).count(),
        "default": TelemetryEvent.objects.filter(project_id=DEFAULT_PROJECT_ID).count(),
    }
    raw = {slug: metrics(staff_client, project=slug) for slug in expected}
    telemetry_rollup(since=None, now=now + timedelta(minutes=10))
    # New events after the roll-up are read raw beside the roll-ups.
    send_batch(api_client, [{"type": "action"}], HTTP_X_TELEMETRY_KEY=key.public_key)
    rolled = {slug: metrics(staff_client, project=slug) for slug in expected}

    for slug, total in expected.items():
        assert raw[slug]["totalEvents"] == total
    assert rolled["storefront"]["totalEvents"] == expected["storefront"] + 1
    assert rolled["default"]["totalEvents"] == expected["default"]
    assert rolled["storefront"]["byType"] == {"page_view": 15, "action": 1}
    assert rolled["storefront"]["topPages"] == [{"page": "/shop", "count": 15}]
    assert rolled["storefront"]["uniqueSessions"] == 3
    assert rolled["default"]["uniqueSessions"] == 1
    assert rolled["storefront"]["apiCalls"]["count"] == 0
    assert rolled["default"]["apiCalls"]["count"] == 21
    # All projects together: every event, and session s0 (in both) counted once.
    together = metrics(staff_client)
    assert together["totalEvents"] == sum(expected.values()) + 1
    assert together["uniqueSessions"] == 3


def test_metrics__the_service_own_api_calls_go_to_self_not_to_the_applications(
    settings, staff_client
):
    settings.TELEMETRY = {**settings.TELEMETRY, "SELF_SAMPLE_RATE": 1.0, "SELF_FLUSH_SECONDS": 0}
    self_telemetry_buffer.clear()
    TelemetryEventFactory.create_batch(2, type="page_view")
    staff_client.get("/api/errors")
    staff_client.get("/api/errors")
    assert self_telemetry_buffer.flush() == 2
    assert metrics(staff_client)["totalEvents"] == 2
    own = metrics(staff_client, project=SELF_SLUG)
    self_telemetry_buffer.clear()  # the metrics reads were recorded too; nothing left to write
    assert own["byType"] == {"api_call": 2}
    assert own["apiCalls"]["count"] == 2


def test_metrics__a_member_reads_only_their_projects_and_is_refused_another(storefront):
    project, _ = storefront
    TelemetryEventFactory.create_batch(3, project_id=project.pk)
    TelemetryEventFactory.create_batch(5)
    member = UserFactory(is_staff=True, is_superuser=False)
    project.members.add(member)
    client = APIClient()
    client.force_authenticate(member)
    assert metrics(client)["totalEvents"] == 3
    assert metrics(client, project="storefront")["totalEvents"] == 3
    refused = client.get("/api/telemetry", {"project": "default"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "There is no project “default” you can see."


def test_health_projects__each_project_error_rate_and_sessions(
    api_client, user_client, staff_client, storefront
):
    project, _ = storefront
    now = timezone.now()
    TelemetryEventFactory.create_batch(
        9, type="page_view", session_id="a", created_at=now, project_id=project.pk
    )
    TelemetryEventFactory(type="error", session_id="b", created_at=now, project_id=project.pk)
    TelemetryEventFactory.create_batch(4, type="page_view", session_id="c", created_at=now)
    answer = staff_client.get("/api/health/projects")
    assert answer.status_code == 200
    by_slug = {entry["project"]: entry for entry in answer.json()["projects"]}
    assert by_slug["storefront"]["errorRate"] == {
        "errors": 1,
        "totalEvents": 10,
        "rate": 10.0,
        "windowHours": 1,
        "status": "unhealthy",
    }
    assert by_slug["storefront"]["sessions"] == {"active": 2, "windowMinutes": 5}
    assert by_slug["default"]["errorRate"]["rate"] == 0.0
    assert by_slug["default"]["sessions"]["active"] == 1
    one = staff_client.get("/api/health/projects", {"project": "default"}).json()
    assert [entry["project"] for entry in one["projects"]] == ["default"]
    # The overall document stays as it was: every event of every project.
    overall = api_client.get("/api/health/extended").json()
    assert overall["errorRate"]["totalEvents"] == 14
    assert api_client.get("/api/health/projects").status_code in (401, 403)
    assert user_client.get("/api/health/projects").status_code == 403
    assert staff_client.get("/api/health/projects", {"project": "nope"}).status_code == 400


def test_purge__each_project_keeps_its_raw_events_for_its_own_days(settings, storefront):
    project, _ = storefront
    project.telemetry_retention_days = 3
    project.save()
    settings.TELEMETRY_RETENTION_DAYS = 30
    now = timezone.now()
    for age in (1, 5, 40):
        TelemetryEventFactory(created_at=now - timedelta(days=age), project_id=project.pk)
        TelemetryEventFactory(created_at=now - timedelta(days=age))
    call_command("purge_expired", stdout=StringIO())
    left = sorted(
        (event.project.slug, (now - event.created_at).days)
        for event in TelemetryEvent.objects.select_related("project")
    )
    assert left == [("default", 1), ("default", 5), ("storefront", 1)]


def test_metrics_dashboard__the_picker_remembers_the_last_project(client, staff_user, storefront):
    project, _ = storefront
    TelemetryEventFactory.create_batch(2, project_id=project.pk)
    TelemetryEventFactory.create_batch(6)
    client.force_login(staff_user)
    page = client.get("/admin/metrics/", {"project": "storefront"}).content.decode()
    assert '<option value="storefront" selected>' in page
    # The charts' data and the next dashboards follow the remembered choice.
    data = client.get("/admin/metrics/data.json").json()
    assert data["metrics"]["totalEvents"] == 2
    triage = client.get("/admin/errors/").content.decode()
    assert '<option value="storefront" selected>' in triage
    client.get("/admin/metrics/", {"project": ""})
    assert client.get("/admin/metrics/data.json").json()["metrics"]["totalEvents"] == 8
    warned = client.get("/admin/metrics/", {"project": "gone"}, follow=True).content.decode()
    assert "There is no project “gone” you can see; showing all." in warned
