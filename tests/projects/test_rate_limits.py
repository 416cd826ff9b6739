"""A project's own rate limit (Project.rate_limit_requests) replaces the endpoint's
*_RATE_LIMIT for requests with its key, on every ingestion endpoint; projects without one keep
the endpoint's, and requests that name no project (or a made-up key) stay under the highest."""

import json

import pytest

from errors.models import ClientKey
from feedback.models import FeedbackSubmission
from projects.models import Project
from telemetry.models import TelemetryEvent
from tests.errors.test_sentry_ingest_api import envelope_for, post_envelope

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_rate_window")]

BODIES = {
    "/api/errors": {"errorType": "TypeError", "message": "Cannot read properties of undefined"},
    "/api/telemetry/batch": {"events": [{"type": "page_view", "page": "/"}]},
    "/api/feedback": {"message": "The pay button does nothing", "category": "bug"},
}
CONFIGS = {
    "/api/errors": "ERRORS",
    "/api/telemetry/batch": "TELEMETRY",
    "/api/feedback": "FEEDBACK",
}


def key_of(slug: str, *, rate_limit: int | None) -> ClientKey:
    project = Project.objects.create(slug=slug, name=slug, rate_limit_requests=rate_limit)
    return ClientKey.objects.create(project=project, name="web")


def limit_endpoint(settings, path: str, requests: int) -> None:
    name = CONFIGS[path]
    setattr(settings, name, {**getattr(settings, name), "RATE_LIMIT_REQUESTS": requests})


def statuses(client, path: str, times: int, **extra) -> list[int]:
    return [
        client.post(
            path, data=json.dumps(BODIES[path]), content_type="application/json", **extra
        ).status_code
        for _ in range(times)
    ]


@pytest.mark.parametrize("path", list(BODIES))
def test_rate_limit__a_project_with_a_lower_limit_is_held_to_it(api_client, settings, path):
    limit_endpoint(settings, path, 5)
    key = key_of("widgets", rate_limit=2)
    answers = statuses(api_client, path, 3, HTTP_X_TELEMETRY_KEY=key.public_key)
    assert all(status < 300 for status in answers[:2]) and answers[2] == 429


@pytest.mark.parametrize("path", list(BODIES))
def test_rate_limit__a_project_with_a_higher_limit_passes_the_endpoints(api_client, settings, path):
    limit_endpoint(settings, path, 2)
    key = key_of("storefront", rate_limit=4)
    answers = statuses(api_client, path, 5, HTTP_X_TELEMETRY_KEY=key.public_key)
    assert all(status < 300 for status in answers[:4]) and answers[4] == 429
    response = api_client.post(
        path,
        data=json.dumps(BODIES[path]),
        content_type="application/json",
        HTTP_X_TELEMETRY_KEY=key.public_key,
    )
    assert response.json()["details"] == {
        "limit": 4,
        "windowSeconds": 60,
        "retryAfter": int(response["Retry-After"]),
    }


def test_rate_limit__keyless_requests_keep_the_endpoints_limit(api_client, settings):
    limit_endpoint(settings, "/api/telemetry/batch", 2)
    key_of("storefront", rate_limit=100)
    assert statuses(api_client, "/api/telemetry/batch", 3) == [200, 200, 429]
    assert TelemetryEvent.objects.count() == 2


def test_rate_limit__made_up_keys_are_refused_past_the_highest_limit(
    api_client, settings, django_assert_max_num_queries
):
    """Past the highest limit any project has, a flood of made-up keys is 429 before a key is
    looked up: the database is not asked."""
    limit_endpoint(settings, "/api/feedback", 1)
    key_of("storefront", rate_limit=3)
    made_up = [f"{n:032x}" for n in range(5)]
    answers = [
        api_client.post(
            "/api/feedback",
            data=json.dumps(BODIES["/api/feedback"]),
            content_type="application/json",
            HTTP_X_TELEMETRY_KEY=key,
        ).status_code
        for key in made_up[:3]
    ]
    assert answers == [401, 401, 401]
    with django_assert_max_num_queries(0):
        refused = statuses(api_client, "/api/feedback", 1, HTTP_X_TELEMETRY_KEY=made_up[4])
    assert refused == [429]
    assert FeedbackSubmission.objects.count() == 0


def test_rate_limit__a_changed_limit_applies_to_the_next_request(api_client, settings):
    limit_endpoint(settings, "/api/errors", 10)
    key = key_of("widgets", rate_limit=None)
    assert statuses(api_client, "/api/errors", 2, HTTP_X_TELEMETRY_KEY=key.public_key)[1] < 300
    key.project.rate_limit_requests = 2
    key.project.save()
    assert statuses(api_client, "/api/errors", 1, HTTP_X_TELEMETRY_KEY=key.public_key) == [429]


def test_rate_limit__the_sentry_endpoints_take_the_projects_limit(api_client, settings):
    settings.SENTRY_INGEST = {**settings.SENTRY_INGEST, "RATE_LIMIT_REQUESTS": 1}
    key = key_of("mobile", rate_limit=2)
    body = envelope_for(key)
    answers = [post_envelope(api_client, key, body).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    refused = post_envelope(api_client, key, body)
    assert refused["X-Sentry-Rate-Limits"] == f"{refused['Retry-After']}::key"


def test_rate_limit__a_limit_below_one_is_refused_by_the_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/projects/project/add/",
        {
            "slug": "zero",
            "name": "Zero",
            "rate_limit_requests": "0",
            "client_keys-TOTAL_FORMS": "0",
            "client_keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not Project.objects.filter(slug="zero").exists()
