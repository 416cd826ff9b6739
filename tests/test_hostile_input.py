"""Hostile JSON on the five ingestion paths: a 4xx in the error shape or stored cleaned, and in
a batch the good event beside a bad one is stored.

The paths: POST /api/telemetry/batch, POST /api/errors, POST /api/feedback (JSON, and a form
whose `metadata` part is JSON text), and the Sentry store and envelope endpoints.
"""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errors.models import ErrorLog, ErrorOccurrence
from errors.sentry.envelope import MAX_ENVELOPE_ITEMS, MAX_HEADER_BYTES
from errors.sentry.services import client_key_get_or_create
from feedback.models import FeedbackSubmission
from telemetry.models import TelemetryEvent

pytestmark = pytest.mark.django_db

DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000


class Raw:
    """JSON text put into a document as it is: what json.dumps refuses or cannot write."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return f"Raw({self.text[:20]!r}{'…' if len(self.text) > 20 else ''})"


def to_json(value) -> str:
    """Return `value` as JSON text, with each Raw written as its text."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    return json.dumps(value)


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Many requests from one test client: lift the per-client limits."""
    for name in ("TELEMETRY", "ERRORS", "FEEDBACK", "SENTRY_INGEST"):
        setattr(settings, name, {**getattr(settings, name), "RATE_LIMIT_REQUESTS": 10**6})


@pytest.fixture
def sentry_key(db):
    return client_key_get_or_create(name="default")[0]


def post_text(client, url, text: str, **extra):
    return client.post(url, data=text.encode(), content_type="application/json", **extra)


def store_url(key) -> str:
    return f"/api/{key.project_id}/store/?sentry_key={key.public_key}"


def envelope_url(key) -> str:
    return f"/api/{key.project_id}/envelope/?sentry_key={key.public_key}"


def envelope(*items: tuple[dict, str], header: str = "{}") -> bytes:
    lines = [header]
    for item_header, payload in items:
        lines += [json.dumps(item_header), payload]
    return ("\n".join(lines) + "\n").encode()


def post_envelope(client, key, body: bytes):
    return client.post(envelope_url(key), data=body, content_type="application/x-sentry-envelope")


def assert_refusal_or_success(response):
    """Not a server error; a refusal is the one error shape with a sentence."""
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"success", "error", "details"}
        assert body["success"] is False
        assert body["error"].endswith(".")


# --- numbers JSON cannot hold -------------------------------------------------------------

NON_FINITE = [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")]
NON_FINITE += [("1e400", "Infinity"), ("-1e400", "-Infinity")]


@pytest.mark.parametrize(("sent", "stored"), NON_FINITE)
def test_batch__non_finite_metadata_is_stored_as_text_beside_the_good_event(
    api_client, sent, stored
):
    text = to_json(
        {
            "events": [
                {"type": "page_view", "sessionId": "odd", "metadata": {"ratio": Raw(sent)}},
                {"type": "page_view", "sessionId": "good"},
            ]
        }
    )
    response = post_text(api_client, "/api/telemetry/batch", text)
    assert response.json()["recorded"] == 2
    assert TelemetryEvent.objects.get(session_id="odd").metadata == {"ratio": stored}


@pytest.mark.parametrize(("sent", "_stored"), NON_FINITE)
def test_batch__non_finite_duration_refuses_that_event_only(api_client, sent, _stored):
    text = to_json({"events": [{"type": "api_call", "duration": Raw(sent)}, {"type": "page_view"}]})
    body = post_text(api_client, "/api/telemetry/batch", text).json()
    assert (body["recorded"], body["failed"]) == (1, 1)
    assert body["errors"] == [
        {"index": 0, "errors": {"duration": ["A valid integer is required."]}}
    ]


@pytest.mark.parametrize(("sent", "stored"), NON_FINITE)
def test_error_report__non_finite_metadata_is_stored_as_text(api_client, sent, stored):
    text = to_json({"errorType": "RangeError", "message": "m", "metadata": {"ratio": Raw(sent)}})
    response = post_text(api_client, "/api/errors", text)
    assert response.status_code == 201
    assert ErrorLog.objects.get().metadata == {"ratio": stored}


@pytest.mark.parametrize(("sent", "stored"), NON_FINITE)
def test_feedback__non_finite_metadata_is_stored_as_text_from_json_and_forms(
    api_client, sent, stored
):
    metadata = to_json({"r": Raw(sent)})
    as_json = post_text(
        api_client, "/api/feedback", to_json({"message": "m", "metadata": Raw(metadata)})
    )
    as_form = api_client.post("/api/feedback", data={"message": "m", "metadata": metadata})
    assert (as_json.status_code, as_form.status_code) == (201, 201)
    assert [feedback.metadata for feedback in FeedbackSubmission.objects.all()] == [
        {"r": stored},
        {"r": stored},
    ]


@pytest.mark.parametrize(("sent", "_stored"), NON_FINITE)
def test_sentry__non_finite_numbers_in_event_fields_are_accepted(
    api_client, sentry_key, sent, _stored
):
    frame = {"filename": "a.py", "lineno": Raw(sent)}
    event = to_json(
        {
            "message": "Quota",
            "timestamp": Raw(sent),
            "extra": {"ratio": Raw(sent)},
            "contexts": {"os": {"name": "Linux", "version": Raw(sent)}},
            "exception": {"values": [{"type": "E", "stacktrace": {"frames": [frame]}}]},
        }
    )
    assert post_text(api_client, store_url(sentry_key), event).status_code == 200
    response = post_envelope(api_client, sentry_key, envelope(({"type": "event"}, event)))
    assert response.status_code == 200
    assert ErrorOccurrence.objects.count() == 2


@pytest.mark.parametrize(
    "timestamp",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "+1e400"],
)
def test_batch__timestamp_at_the_edge_of_time_refuses_that_event_only(api_client, timestamp):
    events = [{"type": "page_view", "timestamp": timestamp}, {"type": "page_view"}]
    body = post_text(api_client, "/api/telemetry/batch", json.dumps({"events": events})).json()
    assert body["recorded"] + body["failed"] == 2
    assert body["recorded"] >= 1
    assert TelemetryEvent.objects.count() == body["recorded"]


# --- nesting 10,000 deep ------------------------------------------------------------------


@pytest.mark.parametrize("deep", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays", "objects"])
def test_batch__deep_metadata_is_cut_and_the_good_event_is_stored(api_client, deep):
    text = to_json(
        {
            "events": [
                {"type": "page_view", "sessionId": "deep", "metadata": {"tree": Raw(deep)}},
                {"type": "page_view", "sessionId": "good"},
            ]
        }
    )
    body = post_text(api_client, "/api/telemetry/batch", text).json()
    assert body["recorded"] == 2
    assert "[Filtered]" in json.dumps(TelemetryEvent.objects.get(session_id="deep").metadata)
    assert TelemetryEvent.objects.filter(session_id="good").exists()


def test_batch__a_deep_event_is_refused_and_the_good_event_stored(api_client):
    text = to_json({"events": [Raw(DEEP_ARRAY), {"type": "page_view"}]})
    body = post_text(api_client, "/api/telemetry/batch", text).json()
    assert (body["recorded"], body["failed"]) == (1, 1)
    assert body["errors"][0]["errors"] == {"event": ["Must be a JSON object."]}


@pytest.mark.parametrize("deep", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays", "objects"])
def test_error_report__deep_metadata_is_stored_cut(api_client, deep):
    text = to_json({"errorType": "RangeError", "message": "m", "metadata": {"tree": Raw(deep)}})
    assert post_text(api_client, "/api/errors", text).status_code == 201
    assert "[Filtered]" in json.dumps(ErrorLog.objects.get().metadata)


def test_error_report__a_deep_body_is_a_400(api_client):
    response = post_text(api_client, "/api/errors", DEEP_ARRAY)
    assert response.status_code == 400
    assert response.json()["error"] == "The body must be a JSON object describing one error."


def test_feedback__deep_metadata_is_stored_cut_from_json_and_forms(api_client):
    as_json = post_text(
        api_client, "/api/feedback", to_json({"message": "m", "metadata": {"t": Raw(DEEP_ARRAY)}})
    )
    as_form = api_client.post(
        "/api/feedback", data={"message": "m", "metadata": to_json({"t": Raw(DEEP_OBJECT)})}
    )
    assert (as_json.status_code, as_form.status_code) == (201, 201)
    for feedback in FeedbackSubmission.objects.all():
        assert "[Filtered]" in json.dumps(feedback.metadata)


def test_feedback__a_deep_body_is_a_400_in_the_error_shape(api_client):
    response = post_text(api_client, "/api/feedback", DEEP_ARRAY)
    assert response.status_code == 400
    assert_refusal_or_success(response)


def test_sentry__deep_event_fields_are_accepted_on_store_and_envelope(api_client, sentry_key):
    event = to_json(
        {
            "message": "Deep",
            "extra": {"tree": Raw(DEEP_ARRAY)},
            "tags": Raw(DEEP_OBJECT),
            "user": Raw(DEEP_ARRAY),
        }
    )
    assert post_text(api_client, store_url(sentry_key), event).status_code == 200
    deep_but_short = "[" * 5000 + "]" * 5000
    header = to_json({"event_id": "9ec79c33ec9942ab8353589fcb2e04dc", "trace": Raw(deep_but_short)})
    body = envelope(({"type": "event"}, event), header=header)
    assert post_envelope(api_client, sentry_key, body).status_code == 200
    assert ErrorOccurrence.objects.count() == 2


def test_staff_update__a_deep_body_is_a_400(staff_client):
    error = ErrorLog.objects.create(fingerprint="f" * 64, error_type="E", message="m")
    response = staff_client.patch(
        f"/api/errors/{error.pk}",
        data=to_json({"status": Raw(DEEP_ARRAY)}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert_refusal_or_success(response)


# --- Sentry keys ----------------------------------------------------------------------------

NOT_WELL_FORMED = (401, "This Sentry key is not well formed")
HAS_A_NUL = (400, "The query parameter “sentry_key” contains a NUL byte")
HOSTILE_KEYS = {
    "nul": ("%00", HAS_A_NUL),
    "nul-inside": ("0123456789abcdef%000123456789abcde", HAS_A_NUL),
    "lone-surrogate": ("%ED%A0%80", NOT_WELL_FORMED),
    "superscript": ("%C2%B2" * 16, NOT_WELL_FORMED),
    "very-long": ("a" * 5000, NOT_WELL_FORMED),
    "hex-and-newline": ("0123456789abcdef0123456789abcdef%0A", NOT_WELL_FORMED),
}


@pytest.mark.parametrize(("key", "answer"), list(HOSTILE_KEYS.values()), ids=list(HOSTILE_KEYS))
def test_sentry__hostile_key_in_the_query_is_refused_in_the_error_shape(
    api_client, sentry_key, key, answer
):
    status, sentence = answer
    for url in (f"/api/{sentry_key.project_id}/store/", f"/api/{sentry_key.project_id}/envelope/"):
        body = '{"message":"m"}' if "store" in url else envelope(({"type": "event"}, "{}"))
        response = api_client.post(f"{url}?sentry_key={key}", data=body, content_type="text/plain")
        assert response.status_code == status
        assert response.json()["error"].startswith(sentence)
    assert ErrorLog.objects.count() == 0


@pytest.mark.parametrize("key", ["\x00" * 32, "abc\x00", "é" * 32, "0" * 31 + "\x7f"])
def test_sentry__hostile_key_in_the_auth_header_is_401(api_client, sentry_key, key):
    response = api_client.post(
        f"/api/{sentry_key.project_id}/store/",
        data='{"message":"m"}',
        content_type="application/json",
        HTTP_X_SENTRY_AUTH=f"Sentry sentry_key={key}, sentry_version=7",
    )
    assert response.status_code == 401
    assert_refusal_or_success(response)


@pytest.mark.parametrize(
    "dsn",
    ["http://\\u0000@h/1", "http://\\ud800@h/1", "http://[::1@h/1", "http://k@h:99999999/1"],
)
def test_sentry__hostile_dsn_in_the_envelope_header_is_401(api_client, sentry_key, dsn):
    body = envelope(({"type": "event"}, "{}"), header=to_json({"dsn": Raw(f'"{dsn}"')}))
    response = api_client.post(
        f"/api/{sentry_key.project_id}/envelope/",
        data=body,
        content_type="application/x-sentry-envelope",
    )
    assert response.status_code == 401
    assert_refusal_or_success(response)


@pytest.mark.parametrize("project", [str(2**70), "9" * 5000, "%00", "%C2%B2", "-1"])
def test_sentry__hostile_project_id_in_the_path_is_a_4xx(api_client, sentry_key, project):
    response = api_client.post(
        f"/api/{project}/store/?sentry_key={sentry_key.public_key}",
        data='{"message":"m"}',
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert_refusal_or_success(response)


# --- how many items an envelope may carry -------------------------------------------------


def test_envelope__a_thousand_events_are_refused_before_any_is_stored(api_client, sentry_key):
    items = [({"type": "event"}, json.dumps({"message": f"event {n}"})) for n in range(1000)]
    response = post_envelope(api_client, sentry_key, envelope(*items))
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Item 1 (event) is a second event in one envelope; an envelope carries at most one "
        "event or transaction or feedback, so send each in its own envelope."
    )
    assert ErrorLog.objects.count() == 0


@pytest.mark.parametrize("second", ["event", "transaction", "feedback"])
def test_envelope__a_second_event_like_item_is_400(api_client, sentry_key, second):
    body = envelope(({"type": "event"}, '{"message":"one"}'), ({"type": second}, "{}"))
    response = post_envelope(api_client, sentry_key, body)
    assert response.status_code == 400
    assert response.json()["details"] == {"item": 1, "firstItem": 0}


def test_envelope__a_second_user_report_is_400_and_one_beside_an_event_is_stored(
    api_client, sentry_key
):
    report = '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","comments":"It broke"}'
    event = '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","message":"Broke"}'
    both = envelope(({"type": "event"}, event), ({"type": "user_report"}, report))
    assert post_envelope(api_client, sentry_key, both).status_code == 200
    assert FeedbackSubmission.objects.count() == 1
    two = envelope(({"type": "user_report"}, report), ({"type": "user_report"}, report))
    response = post_envelope(api_client, sentry_key, two)
    assert response.status_code == 400
    assert "is a second user report in one envelope" in response.json()["error"]


@pytest.mark.parametrize("position", ["envelope header", "item header"])
def test_envelope__a_header_line_past_the_bound_is_413(api_client, sentry_key, position):
    padding = "x" * MAX_HEADER_BYTES
    if position == "envelope header":
        body = envelope(({"type": "event"}, "{}"), header=json.dumps({"padding": padding}))
    else:
        body = envelope(({"type": "event", "filename": padding}, "{}"))
    response = post_envelope(api_client, sentry_key, body)
    assert response.status_code == 413
    assert response.json()["details"] == {"maxHeaderBytes": MAX_HEADER_BYTES}
    assert ErrorLog.objects.count() == 0


def test_envelope__items_past_the_bound_are_413(api_client, sentry_key):
    sessions = [({"type": "session"}, '{"sid":"s","status":"ok"}')] * MAX_ENVELOPE_ITEMS
    at_the_bound = envelope(({"type": "event"}, '{"message":"kept"}'), *sessions[1:])
    assert post_envelope(api_client, sentry_key, at_the_bound).status_code == 200
    past = envelope(({"type": "event"}, '{"message":"kept"}'), *sessions)
    response = post_envelope(api_client, sentry_key, past)
    assert response.status_code == 413
    assert response.json()["details"] == {"maxItems": MAX_ENVELOPE_ITEMS}
    assert ErrorOccurrence.objects.count() == 1


# --- no 5xx anywhere ------------------------------------------------------------------------

HOSTILE_LEAVES = st.sampled_from(
    [
        Raw("NaN"),
        Raw("Infinity"),
        Raw("-Infinity"),
        Raw("1e400"),
        Raw("-1e999"),
        Raw("7" * 5000),
        Raw(str(10**400)),
        Raw(DEEP_ARRAY),
        Raw(DEEP_OBJECT),
        Raw('"\\u0000"'),
        Raw('"a\\u0000b"'),
        Raw('"\\ud800"'),
        Raw('"x\\udfff"'),
        Raw('"\\udc00\\ud800"'),
        2**70,
        -(2**63) - 1,
        "x" * 20_000,
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "",
        " ",
        True,
        None,
        [],
        {},
        -1,
        0.5,
    ]
)
# Keys are hostile too: lone surrogates and NUL in metadata keys and Sentry tag keys.
HOSTILE_KEYS = st.text(max_size=10) | st.sampled_from(["\ud800", "k\udfffk", "a\x00b", ""])
ANY_VALUE = st.recursive(
    HOSTILE_LEAVES | st.text(max_size=20) | st.integers(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(HOSTILE_KEYS, children, max_size=3)
    ),
    max_leaves=6,
)

TELEMETRY_FIELDS = ["type", "page", "action", "duration", "metadata", "userAgent", "platform"]
TELEMETRY_FIELDS += ["sessionId", "userId", "anonymousId", "deviceType", "region", "timestamp"]
ERROR_FIELDS = ["errorType", "message", "stack", "page", "severity", "userId", "sessionId"]
ERROR_FIELDS += ["buildId", "environment", "userAgent", "metadata", "fingerprint"]
FEEDBACK_FIELDS = ["message", "category", "page", "userAgent", "email", "userId", "sessionId"]
FEEDBACK_FIELDS += ["metadata"]
SENTRY_FIELDS = ["event_id", "message", "logentry", "level", "platform", "release"]
SENTRY_FIELDS += ["environment", "timestamp", "logger", "transaction", "fingerprint", "sdk"]
SENTRY_FIELDS += ["tags", "extra", "contexts", "user", "request", "exception", "breadcrumbs"]


def hostile_object(fields: list[str], base: dict):
    """Return objects that start from `base` and give some fields hostile values."""
    return st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(fields, ANY_VALUE),
    ).map(lambda hostile: {**base, **hostile})


FRAMES = st.lists(
    st.fixed_dictionaries({}, optional={"filename": ANY_VALUE, "lineno": ANY_VALUE}), max_size=2
)
SENTRY_EVENTS = hostile_object(SENTRY_FIELDS, {"message": "Hostile"}) | st.builds(
    lambda value, frames: {
        "exception": {"values": [{"type": "E", "value": value, "stacktrace": {"frames": frames}}]}
    },
    ANY_VALUE,
    FRAMES,
)
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


@PROPERTY_SETTINGS
@given(bad=hostile_object(TELEMETRY_FIELDS, {"type": "page_view"}))
def test_batch__hostile_event_never_5xx_and_the_good_event_beside_it_is_stored(api_client, bad):
    # Letters only: a random hex ID can hold a digit run the privacy rules mask (a card number).
    good_session = "good-" + uuid.uuid4().hex.translate(_DIGITS_AS_LETTERS)
    text = to_json({"events": [bad, {"type": "page_view", "sessionId": good_session}]})
    response = post_text(api_client, "/api/telemetry/batch", text)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["recorded"] >= 1
    assert TelemetryEvent.objects.filter(session_id=good_session).count() == 1


@PROPERTY_SETTINGS
@given(body=hostile_object(ERROR_FIELDS, {"errorType": "HostileError", "message": "m"}))
def test_error_report__hostile_body_never_5xx(api_client, body):
    assert_refusal_or_success(post_text(api_client, "/api/errors", to_json(body)))


@PROPERTY_SETTINGS
@given(body=hostile_object(FEEDBACK_FIELDS, {"message": "Hostile feedback"}))
def test_feedback__hostile_body_never_5xx_as_json_or_form(api_client, body):
    assert_refusal_or_success(post_text(api_client, "/api/feedback", to_json(body)))
    form = {"message": "Hostile form", "metadata": to_json(body.get("metadata", {}))}
    assert_refusal_or_success(api_client.post("/api/feedback", data=form))


@PROPERTY_SETTINGS
@given(event=SENTRY_EVENTS)
def test_sentry__hostile_event_never_5xx_on_store_or_envelope(api_client, sentry_key, event):
    text = to_json(event)
    assert_refusal_or_success(post_text(api_client, store_url(sentry_key), text))
    header = to_json({"event_id": uuid.uuid4().hex, "sent_at": event.get("timestamp", "")})
    body = envelope(({"type": "event"}, text), header=header)
    assert_refusal_or_success(post_envelope(api_client, sentry_key, body))


@pytest.mark.parametrize(
    ("length", "status"), [("²", 400), ("-1", 400), ("1e3", 400), ("9" * 5000, 413)]
)
def test_ingestion__hostile_content_length_is_a_4xx(api_client, length, status):
    for url in ("/api/telemetry/batch", "/api/errors", "/api/feedback"):
        response = api_client.post(
            url, data="{}", content_type="application/json", CONTENT_LENGTH=length
        )
        assert response.status_code == status
        assert_refusal_or_success(response)


ITEM_HEADERS = st.fixed_dictionaries(
    {"type": st.sampled_from(["event", "feedback", "user_report", "attachment"]) | ANY_VALUE},
    optional={"length": ANY_VALUE, "content_type": ANY_VALUE, "filename": ANY_VALUE},
)


@PROPERTY_SETTINGS
@given(
    header=ANY_VALUE,
    items=st.lists(st.tuples(ITEM_HEADERS, ANY_VALUE), max_size=3),
)
def test_envelope__hostile_structure_never_5xx(api_client, sentry_key, header, items):
    lines = [to_json(header)]
    for item_header, payload in items:
        lines += [to_json(item_header), to_json(payload)]
    body = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    assert_refusal_or_success(post_envelope(api_client, sentry_key, body))
