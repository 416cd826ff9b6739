"""The batch endpoint's fast validator agrees with TelemetryEventSerializer on every event."""

import json

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.serializers import dataclass_from_camel_case
from telemetry.serializers import validate_events
from telemetry.services import NewEvent
from telemetry.validation import events_validate

pytestmark = pytest.mark.django_db

FIELDS = [
    "type",
    "page",
    "action",
    "duration",
    "metadata",
    "userAgent",
    "platform",
    "sessionId",
    "userId",
    "anonymousId",
    "deviceType",
    "region",
    "timestamp",
]


def text_around(limit: int):
    """Strings at, under and over a length limit, with blanks, NULs and lone surrogates."""
    return st.one_of(
        st.text(max_size=20),
        st.sampled_from(["", " ", "\t\n", " padded ", "a\x00b", "x\ud800y", "\u00a0"]),
        st.integers(min_value=limit - 2, max_value=limit + 2).map(lambda n: "x" * max(n, 0)),
        st.integers(min_value=limit - 1, max_value=limit + 1).map(lambda n: " " + "y" * n + " "),
    )


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
METADATA = st.one_of(
    st.recursive(
        JSON_LEAVES,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children)
        ),
        max_leaves=12,
    ),
    st.integers(8150, 8250).map(lambda n: {"blob": "x" * n}),
)
TYPES = st.one_of(
    st.sampled_from(["page_view", "action", "api_call", "session_end", "PAGE_VIEW", "teleport"]),
    st.just(""),
)
DEVICE_TYPES = st.sampled_from(["desktop", "Mobile", "TABLET", "bot", "", " ", "phone", "Desk top"])
DURATIONS = st.one_of(
    st.integers(min_value=-5, max_value=86_400_005),
    st.sampled_from([0, 86_400_000, 86_400_001, "12", " 12 ", "12.0", "12.5", "1e3", "", "abc"]),
    st.sampled_from([12.0, 12.5, -0.0, 1e16, float("inf"), "9" * 1001, "١٢"]),
)
TIMESTAMPS = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(
        [
            "2025-10-22T10:30:00Z",
            "2025-10-22T10:30:00+02:00",
            "2025-10-22 10:30",
            "2025-10-22",
            "0001-01-01T00:00:00+01:00",
            "22/10/2025",
            "",
        ]
    ),
)
VALUES_BY_FIELD = {
    "type": TYPES,
    "page": text_around(2048),
    "action": text_around(200),
    "duration": DURATIONS,
    "metadata": METADATA,
    "userAgent": text_around(1024),
    "platform": text_around(40),
    "sessionId": text_around(128),
    "userId": text_around(128),
    "anonymousId": text_around(128),
    "deviceType": DEVICE_TYPES,
    "region": text_around(64),
    "timestamp": TIMESTAMPS,
}


@st.composite
def events(draw):
    """An event with a random subset of fields, each usually plausible, sometimes odd."""
    event = {}
    for name in draw(st.lists(st.sampled_from(FIELDS), unique=True)):
        event[name] = draw(st.one_of(VALUES_BY_FIELD[name], VALUES_BY_FIELD[name], ODD_VALUES))
    if draw(st.booleans()):
        event["unknownField"] = draw(JSON_LEAVES)
    return event


def as_client_sees(result):
    """Return the valid events as the NewEvents stored and the errors as the JSON a client
    receives (the serializer's validated data crossed into NewEvent as the API would)."""
    valid, errors = result
    events = [
        data if isinstance(data, NewEvent) else dataclass_from_camel_case(NewEvent, data)
        for data in valid
    ]
    return events, json.dumps(errors)


def test_fast_validation__seed_example_is_accepted_identically():
    event = {
        "type": "page_view",
        "page": "/flow",
        "sessionId": "abc123",
        "userId": "user_456",
        "deviceType": "desktop",
        "metadata": {"referrer": "/home"},
    }
    assert as_client_sees(events_validate(events=[event])) == as_client_sees(
        validate_events([event])
    )
    assert events_validate(events=[event])[0] == [
        NewEvent(
            type="page_view",
            page="/flow",
            session_id="abc123",
            user_id="user_456",
            device_type="desktop",
            metadata={"referrer": "/home"},
        )
    ]


def test_fast_validation__every_kind_of_refusal_has_the_serializers_messages():
    batch = [
        {},
        {"type": None, "page": None, "duration": None, "metadata": None, "timestamp": None},
        {"type": "teleport", "page": ["a"], "duration": -1, "metadata": [1], "deviceType": 3},
        {"type": "action", "duration": "1.5", "sessionId": "s" * 129 + "\x00\ud800"},
        {"type": "action", "duration": "9" * 1001, "timestamp": "yesterday"},
        {"type": "action", "metadata": {"blob": "x" * 9000}, "deviceType": "Phone"},
        "not an object",
    ]
    fast, drf = (
        as_client_sees(events_validate(events=batch)),
        as_client_sees(validate_events(batch)),
    )
    assert fast == drf
    assert json.loads(fast[1])[0] == {"index": 0, "errors": {"type": ["This field is required."]}}
    assert len(json.loads(fast[1])) == len(batch)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(events(), min_size=1, max_size=5))
def test_fast_validation__agrees_with_the_serializer_on_generated_events(batch):
    assert as_client_sees(events_validate(events=batch)) == as_client_sees(validate_events(batch))


@settings(max_examples=100, deadline=None)
@given(event=events())
def test_fast_validation__extra_types_from_settings_are_honoured_identically(event):
    extra = {**django_settings.TELEMETRY, "EXTRA_EVENT_TYPES": ["checkout", "teleport"]}
    with override_settings(TELEMETRY=extra):
        assert as_client_sees(events_validate(events=[event])) == as_client_sees(
            validate_events([event])
        )
