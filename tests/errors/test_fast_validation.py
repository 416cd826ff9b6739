"""POST /api/errors' fast validator agrees with ErrorReportSerializer on every body."""

import json
from enum import Enum

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from errors import validation
from errors.models import ErrorLog, Severity
from errors.serializers import ErrorReportSerializer
from errors.validation import report_validate
from tests.errors.conftest import SEED_EXAMPLE, report

# Each text field and its limit, in the serializer's order.
TEXT_LIMITS = {
    "errorType": 200,
    "message": 10_000,
    "stack": 64_000,
    "page": 2048,
    "userId": 128,
    "sessionId": 128,
    "buildId": 128,
    "environment": 64,
    "userAgent": 1024,
    "fingerprint": 200,
}
FIELDS = [*TEXT_LIMITS, "severity", "metadata"]


def serializer_validate(body):
    """Return what the serializer makes of `body`: its validated data, or None if it refuses."""
    serializer = ErrorReportSerializer(data=body)
    return dict(serializer.validated_data) if serializer.is_valid() else None


def typed(data):
    """Return `data` with each value paired with its type, so "error" != Severity.ERROR."""
    return None if data is None else {key: (type(value), value) for key, value in data.items()}


def text_around(limit: int):
    """Strings at, under and over a length limit, before and after trimming; blanks, NULs and
    lone surrogates; numbers (which DRF turns into strings)."""
    return st.one_of(
        st.text(max_size=20),
        st.sampled_from(
            [
                "",
                " ",
                "\t\n",
                " padded ",
                "\u00a0",
                "\u2028x\x1c",
                "\u200b",
                "a\x00b",
                "\x00",
                "x\ud800y",
                "\udfff",
                "None",
                "0",
            ]
        ),
        st.integers(min_value=limit - 2, max_value=limit + 2).map(lambda n: "x" * n),
        st.tuples(
            st.integers(min_value=limit - 2, max_value=limit + 1),
            st.sampled_from([" ", "\n", "\t ", "\u3000"]),
        ).map(lambda drawn: drawn[1] + "y" * drawn[0] + drawn[1]),
        st.integers(min_value=limit - 1, max_value=limit + 1).map(lambda n: " " * n),
        st.sampled_from(["x" * (limit - 1) + "\x00", "\ud83d" + "x" * (limit - 1)]),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(),
    )


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just([]),
    st.just({}),
)
JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
# Python dicts may hold keys JSON cannot; DictField turns each into str(key).
ANY_KEYS = st.one_of(
    st.text(max_size=8), st.integers(-3, 3), st.floats(allow_nan=False), st.booleans(), st.none()
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(ANY_KEYS, children, max_size=4)
    ),
    max_leaves=12,
)
METADATA = st.one_of(
    JSON_VALUES,
    st.dictionaries(ANY_KEYS, JSON_VALUES, max_size=5),
    # {"blob":"…"} is 11 bytes plus the text: 8181 characters make exactly 8192 bytes.
    st.integers(8176, 8186).map(lambda n: {"blob": "x" * n}),
    st.integers(1360, 1366).map(lambda n: {"é": "é" * n}),
    st.sampled_from([{1: "a", "1": "b"}, {True: 1, "True": 2}, {None: 0}, {0.5: [1, {2: 3}]}]),
)
SEVERITIES = st.one_of(
    st.sampled_from([value for value, _label in Severity.choices]),
    st.sampled_from(["ERROR", "Critical", "wArNiNg", "INFO", " error", "error ", "fatal"]),
    st.sampled_from(["", " ", "İnfo", "ＥＲＲＯＲ", "error\x00", "debug", "Error"]),
)
VALUES_BY_FIELD = {
    **{name: text_around(limit) for name, limit in TEXT_LIMITS.items()},
    "severity": SEVERITIES,
    "metadata": METADATA,
}


def text_within(limit: int):
    """Strings a client may well send, up to the limit (padding aside), and numbers."""
    return st.one_of(
        st.text(max_size=20),
        st.sampled_from(["", " padded ", "\u00a0x", "None", "/a/b?c=d"]),
        st.just("x" * limit),
        st.sampled_from([" ", "\n"]).map(lambda pad: pad + "y" * limit + pad),
        st.integers(min_value=-(10**6), max_value=10**6),
        st.floats(allow_nan=False),
    )


PLAUSIBLE_BY_FIELD = {
    **{name: text_within(limit) for name, limit in TEXT_LIMITS.items()},
    "severity": st.sampled_from(["critical", "error", "warning", "info", "ERROR", "Info", None]),
    "metadata": st.one_of(
        st.none(),
        st.dictionaries(ANY_KEYS, JSON_VALUES, max_size=4),
        st.just({"blob": "x" * 8181}),
    ),
}


@st.composite
def bodies(draw):
    """A report with a random subset of the fields, sometimes keys the serializer ignores.
    Half the reports hold the required fields and plausible values (many are accepted, so their
    validated data is compared); the others may lack one and hold borderline or odd values."""
    plausible = draw(st.booleans())
    names = [name for name in ("errorType", "message") if plausible or draw(st.integers(0, 5))]
    names += draw(st.lists(st.sampled_from(FIELDS[2:]), unique=True))
    body = {}
    for name in draw(st.permutations(names)):
        if plausible:
            body[name] = draw(PLAUSIBLE_BY_FIELD[name])
        else:
            body[name] = draw(st.one_of(VALUES_BY_FIELD[name], VALUES_BY_FIELD[name], ODD_VALUES))
    if draw(st.booleans()):
        body[draw(st.sampled_from(["unknownField", "errortype", "Severity", "id"]))] = draw(
            JSON_LEAVES
        )
    return body


MINIMAL = {"errorType": "E", "message": "m"}


def test_fast_validation__seed_example_is_accepted_identically():
    assert report_validate(SEED_EXAMPLE) == SEED_EXAMPLE
    assert typed(report_validate(SEED_EXAMPLE)) == typed(serializer_validate(SEED_EXAMPLE))


def test_fast_validation__absent_severity_is_the_serializers_default_member():
    data = report_validate(MINIMAL)
    assert data == {**MINIMAL, "severity": "error"}
    assert data["severity"] is Severity.ERROR
    assert typed(data) == typed(serializer_validate(MINIMAL))


def assert_both_validate(fields: dict, expected: dict | None) -> None:
    """Assert that the fast validator and the serializer both turn MINIMAL plus `fields` into
    MINIMAL plus `expected` (with the default severity), or both refuse it (`expected` None)."""
    body = {**MINIMAL, **fields}
    if expected is not None:
        expected = {**MINIMAL, "severity": Severity.ERROR, **expected}
    assert typed(report_validate(body)) == typed(expected)
    assert typed(serializer_validate(body)) == typed(expected)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"errorType": " TypeError\n", "message": " m "},
            {"errorType": "TypeError", "message": " m "},
        ),
        ({"errorType": "x" * 200}, {"errorType": "x" * 200}),
        ({"errorType": " " + "x" * 200 + " "}, {"errorType": "x" * 200}),
        ({"errorType": "x" * 201}, None),
        ({"errorType": "   "}, None),
        ({"errorType": 12}, {"errorType": "12"}),
        ({"errorType": 1.5e16}, {"errorType": "1.5e+16"}),
        ({"errorType": True}, None),
        ({"message": ""}, None),
        ({"message": "  "}, {"message": "  "}),
        ({"message": "x" * 9_999 + "  "}, None),
        ({"message": None}, None),
        ({"stack": ""}, {"stack": ""}),
        ({"stack": " \n "}, {"stack": " \n "}),
        ({"stack": None}, {"stack": None}),
        ({"page": "  "}, {"page": ""}),
        ({"page": "/a\x00"}, None),
        ({"userId": "u\ud800"}, None),
        ({"userId": ["u"]}, None),
        ({"sessionId": " " + "s" * 128 + " "}, {"sessionId": "s" * 128}),
        ({"environment": {"name": "prod"}}, None),
        ({"severity": "CRITICAL"}, {"severity": "critical"}),
        ({"severity": None}, {"severity": None}),
        ({"severity": ""}, None),
        ({"severity": " error"}, None),
        ({"severity": 1}, None),
        ({"metadata": {1: "a", "1": "b"}}, {"metadata": {"1": "b"}}),
        ({"metadata": {"blob": "x" * 8181}}, {"metadata": {"blob": "x" * 8181}}),
        ({"metadata": {"blob": "x" * 8182}}, None),
        ({"metadata": []}, None),
        ({"metadata": "{}"}, None),
        ({"metadata": None}, {"metadata": None}),
        ({"unknown": object()}, {}),
    ],
)
def test_fast_validation__borderline_fields(fields, expected):
    assert_both_validate(fields, expected)


class Text(str):
    """A str subclass, which DRF takes as a string but tests as a value of another type."""


class Blank:
    """A value whose str() is blank: DRF accepts it as "" where blanks are allowed."""

    def __str__(self):
        return " \t"


class Level(Enum):
    ERROR = "error"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"errorType": Text(" E "), "message": Text(" m ")}, {"errorType": "E", "message": " m "}),
        ({"page": Text("  ")}, {"page": ""}),
        ({"page": Blank()}, {"page": ""}),
        ({"stack": Blank()}, None),
        ({"errorType": Blank()}, None),
        ({"severity": Severity.WARNING}, {"severity": "warning"}),
        ({"severity": Level.ERROR}, {"severity": "error"}),
        ({"severity": Text("INFO")}, {"severity": "info"}),
        ({"metadata": {Level.ERROR: 1}}, {"metadata": {"Level.ERROR": 1}}),
    ],
)
def test_fast_validation__python_values_json_cannot_carry_agree_too(fields, expected):
    assert_both_validate(fields, expected)


def test_fast_validation__missing_required_fields_and_non_objects_are_refused():
    for body in ({}, {"errorType": "E"}, {"message": "m"}, [MINIMAL], "E", None):
        assert report_validate(body) is None
        assert serializer_validate(body) is None


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies())
def test_fast_validation__agrees_with_the_serializer_on_generated_bodies(body):
    assert typed(report_validate(body)) == typed(serializer_validate(body))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FIELDS), data=st.data())
def test_fast_validation__agrees_on_each_field_of_an_otherwise_valid_body(name, data):
    body = {**MINIMAL, name: data.draw(st.one_of(VALUES_BY_FIELD[name], ODD_VALUES))}
    assert typed(report_validate(body)) == typed(serializer_validate(body))


# The 400 answers of POST /api/errors before it had a fast validator, byte for byte.
REFUSED_ANSWERS = [
    (
        {},
        '{"success":false,"error":"The request is not valid: errorType: This field is required.",'
        '"details":{"errorType":["This field is required."],'
        '"message":["This field is required."]}}',
    ),
    (
        {
            "errorType": "  ",
            "message": "",
            "severity": "Fatal",
            "metadata": [1],
            "userId": "u" * 129,
            "page": "a\x00b",
            "stack": "x\ud800",
        },
        '{"success":false,"error":"The request is not valid: errorType: This field may not be '
        'blank.","details":{"errorType":["This field may not be blank."],'
        '"message":["This field may not be blank."],'
        '"stack":["Surrogate characters are not allowed: U+D800."],'
        '"page":["Null characters are not allowed."],'
        '"severity":["\\"fatal\\" is not a valid choice."],'
        '"userId":["Ensure this field has no more than 128 characters."],'
        '"metadata":["Expected a dictionary of items but got type \\"list\\"."]}}',
    ),
    (
        {
            "errorType": True,
            "message": ["m"],
            "environment": {"a": 1},
            "fingerprint": 12.5,
            "buildId": False,
        },
        '{"success":false,"error":"The request is not valid: errorType: Not a valid string.",'
        '"details":{"errorType":["Not a valid string."],"message":["Not a valid string."],'
        '"buildId":["Not a valid string."],"environment":["Not a valid string."]}}',
    ),
    (
        {"errorType": "E", "message": "m", "metadata": {"blob": "x" * 9000}},
        '{"success":false,"error":"The request is not valid: metadata: Ensure metadata is at '
        'most 8192 bytes as JSON.","details":{"metadata":'
        '["Ensure metadata is at most 8192 bytes as JSON."]}}',
    ),
    (
        {"errorType": None, "message": None, "severity": ""},
        '{"success":false,"error":"The request is not valid: errorType: This field may not be '
        'null.","details":{"errorType":["This field may not be null."],'
        '"message":["This field may not be null."],'
        '"severity":["\\"\\" is not a valid choice."]}}',
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "answer"), REFUSED_ANSWERS)
def test_fast_validation__refused_body_gets_the_serializers_400_unchanged(api_client, body, answer):
    assert report_validate(body) is None
    response = report(api_client, body)
    assert response.status_code == 400
    assert response.content.decode() == answer
    serializer = ErrorReportSerializer(data=body)
    assert not serializer.is_valid()
    assert json.loads(answer)["details"] == serializer.errors
    assert ErrorLog.objects.count() == 0


@pytest.mark.django_db
def test_fast_validation__a_body_the_fast_check_refuses_wrongly_is_still_accepted(
    api_client, monkeypatch
):
    monkeypatch.setattr("errors.validation.report_validate", lambda body: None)
    response = report(api_client, {**SEED_EXAMPLE, "severity": "WARNING"})
    assert response.status_code == 201
    assert ErrorLog.objects.get().severity == "warning"


def test_fast_validation__rules_are_read_from_the_serializer(monkeypatch):
    class LongerType(ErrorReportSerializer):
        errorType = serializers.CharField(max_length=300)

    class WithCount(ErrorReportSerializer):
        count = serializers.IntegerField()

    monkeypatch.setattr(validation, "ErrorReportSerializer", LongerType)
    rules = {rule[0]: rule[2] for rule in validation._rules()}
    assert rules["errorType"] == (300, True, False)
    monkeypatch.setattr(validation, "ErrorReportSerializer", WithCount)
    with pytest.raises(ImproperlyConfigured, match="count"):
        validation._rules()
