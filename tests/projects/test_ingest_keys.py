"""The seed's ingestion endpoints take an optional client key (X-Telemetry-Key or ?key=):
with none, the default project; an unknown key is 401 and a disabled one 403, storing nothing."""

import json

import pytest

from errors.digest import error_digest
from errors.models import ClientKey, ErrorLog
from feedback.models import FeedbackSubmission
from projects.models import DEFAULT_PROJECT_ID, Project
from telemetry.models import TelemetryEvent

pytestmark = pytest.mark.django_db

REPORT = {"errorType": "TypeError", "message": "Cannot read properties of undefined"}
BODIES = {
    "/api/errors": REPORT,
    "/api/telemetry/batch": {"events": [{"type": "page_view", "page": "/"}]},
    "/api/feedback": {"message": "The pay button does nothing", "category": "bug"},
}


@pytest.fixture
def backoffice_key():
    project = Project.objects.create(slug="backoffice", name="Back office")
    return ClientKey.objects.create(project=project, name="web")


def post(client, path, body, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def test_report__keyless_goes_to_the_default_project_and_a_key_to_its_own(
    api_client, backoffice_key
):
    keyless = post(api_client, "/api/errors", REPORT)
    keyed = post(api_client, "/api/errors", REPORT, HTTP_X_TELEMETRY_KEY=backoffice_key.public_key)
    beacon = api_client.post(
        f"/api/errors?key={backoffice_key.public_key}",
        data=json.dumps(REPORT),
        content_type="text/plain",
    )
    assert (keyless.status_code, keyed.status_code, beacon.status_code) == (201, 201, 200)
    assert keyless.json()["errorId"] != keyed.json()["errorId"] == beacon.json()["errorId"]
    error_digest()
    counts = dict(ErrorLog.objects.values_list("project__slug", "frequency"))
    assert counts == {"default": 1, "backoffice": 2}


@pytest.mark.parametrize("path", list(BODIES))
@pytest.mark.parametrize(
    ("key", "status", "sentence"),
    [
        ("0123456789abcdef0123456789abcdef", 401, "This key is not known here"),
        ("not-a-key", 401, "This key is not known here"),
        ("disabled", 403, "This key is disabled."),
    ],
)
def test_ingest__an_unknown_or_disabled_key_is_refused_and_nothing_is_stored(
    api_client, backoffice_key, path, key, status, sentence
):
    if key == "disabled":
        backoffice_key.active = False
        backoffice_key.save()
        key = backoffice_key.public_key
    for response in (
        post(api_client, f"{path}?key={key}", BODIES[path]),
        post(api_client, path, BODIES[path], HTTP_X_TELEMETRY_KEY=key),
    ):
        assert response.status_code == status
        assert response.json()["error"].startswith(sentence)
    assert not ErrorLog.objects.exists()
    assert not TelemetryEvent.objects.exists()
    assert not FeedbackSubmission.objects.exists()


def test_feedback__a_bug_report_with_a_key_files_its_error_in_the_key_project(
    api_client, backoffice_key
):
    response = post(
        api_client,
        "/api/feedback",
        BODIES["/api/feedback"],
        HTTP_X_TELEMETRY_KEY=backoffice_key.public_key,
    )
    assert response.status_code == 201
    submission = FeedbackSubmission.objects.get(pk=response.json()["feedbackId"])
    assert submission.project == backoffice_key.project
    error = ErrorLog.objects.get(pk=response.json()["errorId"])
    assert error.project == backoffice_key.project
    keyless = post(api_client, "/api/feedback", BODIES["/api/feedback"])
    assert ErrorLog.objects.get(pk=keyless.json()["errorId"]).project_id == DEFAULT_PROJECT_ID
    keyless_submission = FeedbackSubmission.objects.get(pk=keyless.json()["feedbackId"])
    assert keyless_submission.project_id == DEFAULT_PROJECT_ID


def test_sentry_feedback__lands_in_the_key_project(api_client, backoffice_key):
    # A feedback item naming no event files its own UserReport error, in the key's project.
    event_id = "ab" * 16
    feedback = {
        "type": "feedback",
        "event_id": event_id,
        "contexts": {"feedback": {"message": "The export button does nothing"}},
    }
    envelope = (
        json.dumps({"event_id": event_id}).encode()
        + b'\n{"type":"feedback"}\n'
        + json.dumps(feedback).encode()
        + b"\n"
    )
    response = api_client.post(
        f"/api/{backoffice_key.project_id}/envelope/?sentry_key={backoffice_key.public_key}",
        data=envelope,
        content_type="application/x-sentry-envelope",
    )
    assert response.status_code == 200, response.content
    submission = FeedbackSubmission.objects.get()
    assert submission.project == backoffice_key.project
    assert submission.error.project == backoffice_key.project
