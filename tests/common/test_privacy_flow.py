"""Privacy end to end: hostile values sent to every ingestion path are stored cleaned and
scrubbed, or refused with a sentence, and never answer 500.

The five paths: POST /api/telemetry/batch, POST /api/errors, POST /api/feedback (JSON and
multipart), and the Sentry store and envelope endpoints. The read-back check walks every text
and JSON column of every table, so a column added later is covered without editing this file.
"""

import json
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from errors.models import ClientKey, ErrorLog, ErrorOccurrence
from feedback.models import FeedbackSubmission
from telemetry.aggregation import telemetry_rollup
from telemetry.models import TelemetryEvent

pytestmark = pytest.mark.django_db

# Marker: the text that, if it is found anywhere in the database, means a secret leaked.
PLANTED = {
    "email": ("planted.person@example.com", "planted.person"),
    "aws": ("AKIAPLANTEDKEY12345X", "PLANTEDKEY12345X"),
    "github": ("ghp_" + "P1anted" * 6, "P1antedP1anted"),
    "slack": ("xoxb-2048-planted-slack-token", "planted-slack"),
    "stripe": ("sk_live_PlantedStripeKey42", "PlantedStripeKey"),
    "google": ("AIza" + "PlantedGoogleApiKey" + "x" * 16, "PlantedGoogleApiKey"),
    "jwt": ("eyJwbGFudGVk.eyJwbGFudGVkcGF5bG9hZA.c2lnbmF0dXJl", "eyJwbGFudGVkcGF5bG9hZA"),
    "bearer": ("with token Bearer planted.bearer.three", "planted.bearer"),
    "basic": ("Authorization: Basic cGxhbnRlZDpiYXNpYw==", "cGxhbnRlZDpiYXNpYw"),
    "pair": ("password=plantedpassword1", "plantedpassword1"),
    "card": ("card 4111 1111 1111 1111", "4111 1111 1111 1111"),
    "ipv4": ("from 203.0.113.77", "203.0.113.77"),
    "ipv6": ("from 2001:db8::77", "2001:db8::77"),
    "phone": ("call +44 20 7946 0958", "7946 0958"),
    "key": (
        "-----BEGIN PRIVATE KEY-----\nPLANTEDKEYMATERIAL\n-----END PRIVATE KEY-----",
        "PLANTEDKEY",
    ),
}
MARKERS = [marker for _, marker in PLANTED.values()] + [
    "plantedquerytoken",
    "plantedmetapassword",
    "plantedcookie",
]
HOSTILE = " | ".join(text for text, _ in PLANTED.values())
# Short fields get one planted value each, in turn.
SHORT = [text for text, _ in PLANTED.values() if len(text) <= 40]
PAGE = (
    "https://shop.example.com:8443/hosts/203.0.113.77/users/planted.person@example.com"
    "/orders/42?token=plantedquerytoken"
)


def hostile_metadata() -> dict:
    return {
        "note": HOSTILE,
        "password": "plantedmetapassword",
        "Cookie": "session=plantedcookie",
        "nested": {text: text for text in SHORT},
        "list": SHORT,
    }


def short(index: int) -> str:
    return SHORT[index % len(SHORT)]


def stored_texts():
    """Yield (table.column, text) for every text and JSON value in every table."""
    for model in apps.get_models():
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*(field.attname for field in fields)):
            for field, value in zip(fields, row, strict=True):
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                yield f"{model._meta.db_table}.{field.column}", text


def leaks() -> list[tuple[str, str]]:
    """Return (column, marker) for every planted secret still found in the database."""
    found = []
    for column, text in stored_texts():
        for marker in MARKERS:
            if marker in text:
                found.append((column, marker))
    return found


@pytest.fixture
def client_key():
    return ClientKey.objects.create(name="shop")


def sentry_auth(client_key) -> dict:
    return {"HTTP_X_SENTRY_AUTH": f"Sentry sentry_key={client_key.public_key}, sentry_version=7"}


def post_json(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def post_envelope(client, client_key, items: list[tuple[dict, dict]], event_id: str):
    lines = [json.dumps({"event_id": event_id})]
    for headers, payload in items:
        lines += [json.dumps(headers), json.dumps(payload)]
    return client.post(
        f"/api/{client_key.project_id}/envelope/",
        data="\n".join(lines).encode(),
        content_type="application/x-sentry-envelope",
        **sentry_auth(client_key),
    )


def hostile_sentry_event(index: int) -> dict:
    return {
        "event_id": uuid.uuid4().hex,
        "platform": "javascript",
        "level": "error",
        "message": HOSTILE,
        "release": short(index),
        "environment": short(index + 1),
        "logger": short(index + 2),
        "transaction": short(index + 3),
        "server_name": short(index + 4),
        "exception": {
            "values": [
                {
                    "type": f"Error{index}",
                    "value": HOSTILE,
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": PAGE,
                                "function": short(index + 5),
                                "lineno": 1,
                                "context_line": HOSTILE,
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": PAGE,
            "headers": {"User-Agent": f"Mozilla/5.0 {HOSTILE}", "Cookie": "a=plantedcookie"},
            "cookies": "a=plantedcookie",
            "query_string": "token=plantedquerytoken",
        },
        "user": {
            "id": "planted.person@example.com",
            "email": "planted.person@example.com",
            "ip_address": "203.0.113.77",
        },
        "tags": {text: text for text in SHORT} | {"password": "plantedmetapassword"},
        "contexts": {"browser": {"name": short(index + 6), "version": "120.0.0.0"}},
        "extra": {"secret": "plantedmetapassword"},
        "sdk": {"name": short(index + 7), "version": "8.0.0"},
    }


def send_everything(api_client, client_key) -> None:
    """Send hostile values in every client-controlled field on all five ingestion paths."""
    events = [
        {
            "type": "page_view",
            "page": PAGE,
            "action": f"{short(index)} then {short(index + 1)}",
            "metadata": hostile_metadata(),
            "userAgent": f"Mozilla/5.0 {HOSTILE}"[:1024],
            "platform": short(index),
            "sessionId": short(index + 1),
            "userId": short(index + 2),
            "anonymousId": short(index + 3),
            "region": short(index + 4)[:64],
        }
        for index in range(len(SHORT))
    ]
    response = post_json(api_client, "/api/telemetry/batch", {"events": events})
    assert (response.status_code, response.json()["recorded"]) == (200, len(events))

    for index in range(len(SHORT)):
        report = {
            "errorType": f"Planted{index} {short(index)}",
            "message": HOSTILE,
            "stack": f"Error: {HOSTILE}\n    at f ({PAGE}:1:2)",
            "page": PAGE,
            "userId": short(index),
            "sessionId": short(index + 1),
            "buildId": short(index + 2),
            "environment": short(index + 3),
            "userAgent": f"Mozilla/5.0 {HOSTILE}"[:1024],
            "fingerprint": short(index + 4),
            "metadata": hostile_metadata(),
        }
        assert post_json(api_client, "/api/errors", report).status_code == 201

    feedback = {
        "message": HOSTILE,
        "category": "bug",
        "page": PAGE,
        "userAgent": f"Mozilla/5.0 {HOSTILE}"[:1024],
        "userId": short(0),
        "sessionId": short(1),
        "metadata": hostile_metadata(),
    }
    assert post_json(api_client, "/api/feedback", feedback).status_code == 201
    form = {**feedback, "metadata": json.dumps(feedback["metadata"])}
    assert api_client.post("/api/feedback", form, format="multipart").status_code == 201

    response = post_json(
        api_client,
        f"/api/{client_key.project_id}/store/",
        hostile_sentry_event(0),
        **sentry_auth(client_key),
    )
    assert response.status_code == 200
    event = hostile_sentry_event(1)
    feedback_item = {
        "event_id": uuid.uuid4().hex,
        "contexts": {
            "feedback": {
                "message": HOSTILE,
                "url": PAGE,
                "associated_event_id": event["event_id"],
                "source": short(2),
            }
        },
        "release": short(3),
        "environment": short(4),
    }
    user_report = {"event_id": event["event_id"], "comments": HOSTILE, "name": short(5)}
    # An envelope carries at most one event-like item, so the feedback comes in its own.
    response = post_envelope(
        api_client,
        client_key,
        [({"type": "event"}, event), ({"type": "user_report"}, user_report)],
        event_id=event["event_id"],
    )
    assert response.status_code == 200
    response = post_envelope(
        api_client,
        client_key,
        [({"type": "feedback"}, feedback_item)],
        event_id=feedback_item["event_id"],
    )
    assert response.status_code == 200


def test_privacy__no_planted_secret_survives_in_any_column_of_any_table(api_client, client_key):
    send_everything(api_client, client_key)
    telemetry_rollup(since=None, now=timezone.now() + timedelta(hours=1))

    assert TelemetryEvent.objects.count() == len(SHORT)
    # The reports, the two bug reports sent as feedback and the two Sentry events.
    assert ErrorOccurrence.objects.count() == len(SHORT) + 2 + 2
    assert FeedbackSubmission.objects.count() == 4
    assert leaks() == []


def test_privacy__what_is_kept_still_reads(api_client, client_key):
    send_everything(api_client, client_key)
    event = TelemetryEvent.objects.order_by("pk").first()
    assert event.page == "https://shop.example.com:8443/hosts/[id]/users/[id]/orders/[id]"
    assert event.metadata["password"] == "[Filtered]"
    assert "[email]" in event.metadata["nested"]
    assert event.session_id.startswith("hash:") or event.session_id == short(1)
    error = ErrorLog.objects.filter(error_type__startswith="Planted0").get()
    assert "with token Bearer [Filtered]" in error.message
    assert "[card]" in error.message and "[phone]" in error.message


# (field, value) with a lone surrogate or NUL that JSON can carry.
DIRTY = "bad\ud800value\x00end"
CLEAN = "bad\ufffdvalueend"


def test_telemetry__surrogates_in_metadata_keys_and_values_are_stored_cleaned(api_client):
    body = {
        "events": [
            {"type": "page_view", "page": "/ok", "metadata": {DIRTY: DIRTY, "list": [DIRTY]}},
            {"type": "page_view", "page": "/bad\ud800"},
            {"type": "page_view", "page": "/also-ok"},
        ]
    }
    response = post_json(api_client, "/api/telemetry/batch", body)
    assert response.status_code == 200
    assert (response.json()["recorded"], response.json()["errors"][0]["index"]) == (2, 1)
    assert "Surrogate" in response.json()["errors"][0]["errors"]["page"][0]
    stored = TelemetryEvent.objects.get(page="/ok")
    assert stored.metadata == {CLEAN: CLEAN, "list": [CLEAN]}
    assert TelemetryEvent.objects.filter(page="/also-ok").exists()


def test_errors__surrogates_in_metadata_are_stored_cleaned(api_client):
    report = {"errorType": "E", "message": "m", "metadata": {DIRTY: [DIRTY]}}
    assert post_json(api_client, "/api/errors", report).status_code == 201
    assert ErrorOccurrence.objects.get().metadata == {CLEAN: [CLEAN]}


def test_feedback__surrogates_in_metadata_are_stored_cleaned_from_json_and_forms(api_client):
    body = {"message": "hello", "category": "other", "metadata": {DIRTY: DIRTY}}
    assert post_json(api_client, "/api/feedback", body).status_code == 201
    form = {**body, "metadata": json.dumps(body["metadata"])}
    assert api_client.post("/api/feedback", form, format="multipart").status_code == 201
    assert [feedback.metadata for feedback in FeedbackSubmission.objects.order_by("pk")] == [
        {CLEAN: CLEAN},
        {CLEAN: CLEAN},
    ]


def test_sentry__surrogates_in_tags_and_text_are_stored_cleaned(api_client, client_key):
    event = {
        "message": DIRTY,
        "tags": {DIRTY: DIRTY},
        "release": DIRTY,
        "request": {"url": "https://a.io/p\ud800", "headers": {"User-Agent": DIRTY}},
    }
    store = post_json(
        api_client, f"/api/{client_key.project_id}/store/", event, **sentry_auth(client_key)
    )
    assert store.status_code == 200
    event_id = uuid.uuid4().hex
    envelope = post_envelope(
        api_client,
        client_key,
        [({"type": "event"}, {**event, "message": DIRTY + " again"})],
        event_id=event_id,
    )
    assert envelope.status_code == 200
    for occurrence in ErrorOccurrence.objects.all():
        assert occurrence.metadata["tags"] == {CLEAN: CLEAN}
        assert (occurrence.build_id, occurrence.user_agent) == (CLEAN, CLEAN)
        assert occurrence.page == "https://a.io/p\ufffd"
        assert occurrence.message.startswith(CLEAN)


BROKEN_URLS = [
    "https://app.example.com:99999/checkout",
    "https://app.example.com:port/checkout",
    "http://[::1/checkout",
    "http://[not-an-address]/checkout",
]


@pytest.mark.parametrize("url", BROKEN_URLS)
def test_telemetry__a_broken_url_is_stored_without_what_is_broken(api_client, url):
    body = {"events": [{"type": "page_view", "page": url}, {"type": "action", "page": "/ok"}]}
    response = post_json(api_client, "/api/telemetry/batch", body)
    assert (response.status_code, response.json()["recorded"]) == (200, 2)
    assert TelemetryEvent.objects.get(type="page_view").page.endswith("/checkout")
    assert TelemetryEvent.objects.get(type="action").page == "/ok"


@pytest.mark.parametrize("url", BROKEN_URLS)
def test_errors__a_broken_url_in_page_or_message_is_stored(api_client, url):
    report = {"errorType": "E", "message": f"fetch {url} failed", "page": url}
    assert post_json(api_client, "/api/errors", report).status_code == 201
    error = ErrorLog.objects.get()
    assert error.page.endswith("/checkout")
    assert error.message == f"fetch {url} failed" or "[ip]" in error.message


@pytest.mark.parametrize("url", BROKEN_URLS)
def test_feedback__a_broken_url_is_stored(api_client, url):
    body = {"message": "broken", "category": "other", "page": url}
    assert post_json(api_client, "/api/feedback", body).status_code == 201
    assert FeedbackSubmission.objects.get().page.endswith("/checkout")


@pytest.mark.parametrize("url", BROKEN_URLS)
def test_sentry__a_broken_request_url_is_stored_from_store_and_envelope(
    api_client, client_key, url
):
    event = {"message": "boom", "request": {"url": url}}
    store = post_json(
        api_client, f"/api/{client_key.project_id}/store/", event, **sentry_auth(client_key)
    )
    assert store.status_code == 200
    second = {"message": "boom again", "request": {"url": url}}
    envelope = post_envelope(
        api_client, client_key, [({"type": "event"}, second)], event_id=uuid.uuid4().hex
    )
    assert envelope.status_code == 200
    pages = list(ErrorOccurrence.objects.values_list("page", flat=True))
    assert len(pages) == 2
    assert all(page.endswith("/checkout") for page in pages)
