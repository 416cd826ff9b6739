"""POST /api/<project>/envelope/ and /store/: keys, bodies, encodings, limits and 4xx answers."""

import gzip
import json
import tracemalloc
import uuid

import pytest

from errors.digest import error_digest
from errors.models import ClientKey, ErrorLog, ErrorOccurrence
from feedback.models import FeedbackSubmission
from projects.models import Project
from tests.errors.sentry_support import (
    capture_chained_error,
    captured_envelopes,
    compress,
    gzip_bomb,
)

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


@pytest.fixture
def client_key():
    return ClientKey.objects.create(name="shop")


def envelope_url(client_key, project_id=None):
    return f"/api/{client_key.project_id if project_id is None else project_id}/envelope/"


def auth_header(public_key):
    return {"HTTP_X_SENTRY_AUTH": f"Sentry sentry_key={public_key}, sentry_version=7"}


def envelope_for(client_key) -> bytes:
    [body] = captured_envelopes(capture_chained_error, release="shop@1.0.0")
    return body


def post_envelope(api_client, client_key, body: bytes, *, url=None, **extra):
    extra = {**auth_header(client_key.public_key), **extra}
    return api_client.post(
        url or envelope_url(client_key),
        data=body,
        content_type="application/x-sentry-envelope",
        **extra,
    )


def test_envelope__sdk_event_becomes_an_error_occurrence_and_answers_its_id(api_client, client_key):
    body = envelope_for(client_key)
    response = post_envelope(api_client, client_key, body)
    assert response.status_code == 200
    event_id = json.loads(body.split(b"\n")[0])["event_id"]
    assert response.json() == {"id": event_id}
    error_digest()
    error = ErrorLog.objects.get()
    assert (error.error_type, error.build_id, error.frequency) == ("ValueError", "shop@1.0.0", 1)
    assert "[card]" in error.message and "4111" not in error.message
    occurrence = ErrorOccurrence.objects.get()
    assert occurrence.metadata["sentry"]["clientKey"] == "shop"


def test_envelope__a_resent_event_is_counted_once(api_client, client_key):
    body = envelope_for(client_key)
    assert post_envelope(api_client, client_key, body).status_code == 200
    assert post_envelope(api_client, client_key, body).status_code == 200
    error_digest()
    assert ErrorLog.objects.get().frequency == 1


def test_envelope__same_error_twice_groups_with_frequency_two(api_client, client_key):
    for _ in range(2):
        assert post_envelope(api_client, client_key, envelope_for(client_key)).status_code == 200
    error_digest()
    assert ErrorLog.objects.get().frequency == 2


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_envelope__compressed_bodies_are_accepted(api_client, client_key, encoding):
    body = compress(envelope_for(client_key), encoding)
    response = post_envelope(api_client, client_key, body, HTTP_CONTENT_ENCODING=encoding)
    assert response.status_code == 200
    assert ErrorLog.objects.count() == 1


def test_envelope__key_in_query_string_as_browsers_send_it(api_client, client_key):
    response = api_client.post(
        f"{envelope_url(client_key)}?sentry_key={client_key.public_key}&sentry_version=7",
        data=envelope_for(client_key),
        content_type="text/plain;charset=UTF-8",
    )
    assert response.status_code == 200


def test_envelope__key_in_envelope_header_dsn(api_client, client_key):
    body = envelope_for(client_key)
    header, rest = body.split(b"\n", 1)
    dsn = f"http://{client_key.public_key}@testserver/{client_key.project_id}"
    header = json.dumps({**json.loads(header), "dsn": dsn}).encode()
    response = api_client.post(
        envelope_url(client_key), data=header + b"\n" + rest, content_type="text/plain"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("key", "status", "sentence"),
    [
        (None, 401, "No Sentry key"),
        ("ffffffffffffffffffffffffffffffff", 401, "not known"),
        ("disabled", 403, "disabled"),
    ],
)
def test_envelope__missing_unknown_or_disabled_key_is_refused(
    api_client, client_key, key, status, sentence
):
    if key == "disabled":
        client_key.active = False
        client_key.save()
        key = client_key.public_key
    extra = auth_header(key) if key else {}
    response = api_client.post(
        envelope_url(client_key),
        data=envelope_for(client_key),
        content_type="text/plain",
        **extra,
    )
    assert response.status_code == status
    assert response.json()["success"] is False
    assert sentence in response.json()["error"]
    assert ErrorLog.objects.count() == 0


def test_envelope__key_of_another_project_is_403(api_client, client_key):
    other = Project.objects.create(slug="backoffice", name="Back office")
    for project_id in (other.pk, 999):
        response = post_envelope(
            api_client,
            client_key,
            envelope_for(client_key),
            url=envelope_url(client_key, project_id),
        )
        assert response.status_code == 403
        assert response.json()["error"] == (
            f"This Sentry key belongs to project 1, not {project_id}; copy the DSN again."
        )
    assert ErrorLog.objects.count() == 0
    # A key of that project is let in there.
    backoffice = ClientKey.objects.create(project=other, name="web")
    response = post_envelope(api_client, backoffice, envelope_for(backoffice))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"{not json\n", 400),
        (b'{}\n{"type":"event","length":500}\n{"message":"cut"}', 400),
        (b'{}\n{"type":"event","length":2}\n{"message":"x"}\n', 400),
        (b'{}\n{"type":"event"}\n{"message": nope}\n', 400),
        (b'{}\n{"type":"event"}\n["a list"]\n', 400),
    ],
    ids=["empty", "bad-header", "truncated", "wrong-length", "bad-json", "not-object"],
)
def test_envelope__malformed_envelope_is_4xx_in_the_error_shape(
    api_client, client_key, body, status
):
    response = post_envelope(api_client, client_key, body)
    assert response.status_code == status
    assert set(response.json()) == {"success", "error", "details"}
    assert ErrorLog.objects.count() == 0


def test_envelope__unknown_and_unstored_item_types_are_accepted_and_dropped(api_client, client_key):
    event_id = "9ec79c33ec9942ab8353589fcb2e04dc"
    body = (
        json.dumps({"event_id": event_id}).encode() + b"\n"
        b'{"type":"session"}\n{"sid":"abc","status":"ok"}\n'
        b'{"type":"transaction","length":2}\n{}\n'
        b'{"type":"client_report"}\n{"discarded_events":[]}\n'
        b'{"type":"something_new_in_2030"}\nopaque bytes\n'
    )
    response = post_envelope(api_client, client_key, body)
    assert response.status_code == 200
    assert response.json() == {"id": event_id}
    assert ErrorLog.objects.count() == 0


def test_envelope__one_bad_item_refuses_the_whole_envelope(api_client, client_key):
    body = b'{}\n{"type":"event"}\n{"message":"good"}\n{"type":"user_report"}\n{"comments":\n'
    response = post_envelope(api_client, client_key, body)
    assert response.status_code == 400
    assert response.json()["error"] == "Item 1 (user_report) is not valid JSON."
    assert ErrorLog.objects.count() == 0


def test_envelope__gzip_bomb_is_413_without_exhausting_memory(api_client, client_key):
    bomb = gzip_bomb(1024 * MiB)
    tracemalloc.start()
    try:
        response = post_envelope(api_client, client_key, bomb, HTTP_CONTENT_ENCODING="gzip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    assert "20971520 bytes" in response.json()["error"]
    assert peak < 64 * MiB


def test_envelope__event_item_over_one_mib_is_413(api_client, client_key):
    event = json.dumps({"message": "x" * MiB}).encode()
    body = b'{}\n{"type":"event","length":%d}\n' % len(event) + event + b"\n"
    response = post_envelope(
        api_client, client_key, gzip.compress(body), HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 413
    assert ErrorLog.objects.count() == 0


def test_envelope__unsupported_encoding_is_415(api_client, client_key):
    response = post_envelope(
        api_client, client_key, envelope_for(client_key), HTTP_CONTENT_ENCODING="zstd"
    )
    assert response.status_code == 415


def test_envelope__past_the_rate_limit_is_429_with_sentry_headers(
    api_client, client_key, settings, one_rate_window
):
    settings.SENTRY_INGEST = {**settings.SENTRY_INGEST, "RATE_LIMIT_REQUESTS": 2}
    body = envelope_for(client_key)
    statuses = [post_envelope(api_client, client_key, body).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = post_envelope(api_client, client_key, body)
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response["X-Sentry-Rate-Limits"] == f"{retry_after}::key"


def test_envelope__cors_for_an_allowed_browser_origin(api_client, client_key, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
    preflight = api_client.options(
        envelope_url(client_key),
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-sentry-auth",
    )
    assert preflight.status_code == 200
    assert "x-sentry-auth" in preflight["Access-Control-Allow-Headers"]
    response = post_envelope(
        api_client, client_key, envelope_for(client_key), HTTP_ORIGIN="https://shop.example.com"
    )
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "x-sentry-rate-limits" in response["Access-Control-Expose-Headers"]


def test_store__event_json_becomes_an_error_occurrence(api_client, client_key):
    event = {
        "event_id": "0f0e0d0c0b0a09080706050403020100",
        "level": "warning",
        "message": "Quota almost used up",
        "release": "api@3.0.0",
    }
    response = api_client.post(
        f"/api/{client_key.project_id}/store/",
        data=gzip.compress(json.dumps(event).encode()),
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        **auth_header(client_key.public_key),
    )
    assert response.status_code == 200
    assert response.json() == {"id": "0f0e0d0c0b0a09080706050403020100"}
    error = ErrorLog.objects.get()
    assert (error.error_type, error.severity, error.build_id) == ("Message", "warning", "api@3.0.0")


def test_store__bad_json_is_400_and_oversized_is_413(api_client, client_key):
    url = f"/api/{client_key.project_id}/store/"
    headers = auth_header(client_key.public_key)
    bad = api_client.post(url, data=b"{nope", content_type="application/json", **headers)
    assert bad.status_code == 400
    big = api_client.post(
        url,
        data=json.dumps({"message": "x" * (MiB + 1)}),
        content_type="application/json",
        **headers,
    )
    assert big.status_code == 413
    assert ErrorLog.objects.count() == 0


def feedback_envelope(event_id: str, associated_event_id: str, attachment: bytes = b"") -> bytes:
    feedback = json.dumps(
        {
            "type": "feedback",
            "event_id": event_id,
            "contexts": {
                "feedback": {
                    "message": "Nothing happens on pay",
                    "associated_event_id": associated_event_id,
                }
            },
        }
    ).encode()
    body = b'{"event_id":"%s"}\n{"type":"feedback"}\n' % event_id.encode() + feedback + b"\n"
    if attachment:
        body += (
            b'{"type":"attachment","length":%d,"filename":"screenshot.png"}\n' % len(attachment)
            + attachment
            + b"\n"
        )
    return body


def test_envelope__feedback_arriving_before_its_event_is_linked_when_the_event_arrives(
    api_client, client_key
):
    event_body = envelope_for(client_key)
    event_id = json.loads(event_body.split(b"\n")[0])["event_id"]
    feedback_body = feedback_envelope(uuid.uuid4().hex, event_id)
    assert post_envelope(api_client, client_key, feedback_body).status_code == 200
    assert FeedbackSubmission.objects.get().error is None
    assert post_envelope(api_client, client_key, event_body).status_code == 200
    error = ErrorLog.objects.get()
    assert error.error_type == "ValueError"
    assert FeedbackSubmission.objects.get().error == error


def test_envelope__feedback_with_a_screenshot_that_is_not_an_image_keeps_the_words(
    api_client, client_key, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    body = feedback_envelope(uuid.uuid4().hex, "", attachment=b"\x89PNG but not really")
    assert post_envelope(api_client, client_key, body).status_code == 200
    feedback = FeedbackSubmission.objects.get()
    assert feedback.message == "Nothing happens on pay"
    assert not feedback.screenshot
    assert feedback.error.error_type == "UserReport"


def test_envelope__feedback_without_a_message_is_400_and_stores_nothing(api_client, client_key):
    body = b'{}\n{"type":"user_report"}\n{"event_id":"%s","comments":""}\n' % (
        uuid.uuid4().hex.encode()
    )
    response = post_envelope(api_client, client_key, body)
    assert response.status_code == 400
    assert "message" in response.json()["error"]
    assert FeedbackSubmission.objects.count() == 0
