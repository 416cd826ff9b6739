"""common.json_input.json_parse: json.loads for ordinary JSON, never a crash for hostile JSON."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.json_input import MAX_JSON_DEPTH, json_parse
from errors.models import ErrorLog

ordinary_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)


def depth_of(value) -> int:
    """Return how many arrays and objects deep `value` is (0 for a scalar)."""
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    return 0


def innermost(value):
    """Return what the first item of each nested array leads to."""
    while isinstance(value, list) and value:
        value = value[0]
    return value


@given(ordinary_json)
@settings(max_examples=200)
def test_json_parse__reads_ordinary_json_as_json_loads_does(value):
    text = json.dumps(value)
    assert json_parse(text) == json.loads(text)
    assert json_parse(text.encode()) == json.loads(text.encode())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e400", "Infinity"),
        ("-1e400", "-Infinity"),
        ("1.5e308", 1.5e308),
    ],
)
def test_json_parse__non_finite_numbers_read_as_javascript_writes_them(text, expected):
    assert json_parse(f'{{"value": {text}, "next": 1}}') == {"value": expected, "next": 1}


def test_json_parse__integer_past_the_conversion_limit_reads_as_its_digits():
    digits = "7" * 5000
    assert json_parse(f'{{"big": {digits}, "next": 1}}') == {"big": digits, "next": 1}
    assert json_parse(f"[{2**70}]") == [2**70]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 10_000, 200_000])
@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}"), ("[1,", "]")])
def test_json_parse__containers_past_the_limit_read_as_filtered(depth, opening, closing):
    text = '{"deep": ' + opening * depth + "0" + closing * depth + ', "after": "kept"}'
    value = json_parse(text)
    assert value["after"] == "kept"
    assert depth_of(value) == MAX_JSON_DEPTH
    assert "[Filtered]" in json.dumps(value)


def test_json_parse__a_document_at_the_limit_is_read_whole():
    text = "[" * (MAX_JSON_DEPTH - 1) + "[1]" + "]" * (MAX_JSON_DEPTH - 1)
    assert json_parse(text) == json.loads(text)
    assert innermost(json_parse(text)) == 1


def test_json_parse__brackets_inside_strings_do_not_count():
    text = json.dumps({"text": "[{" * 5000 + '"\\' + "}]" * 5000, "list": [["x"]] * 100})
    assert json_parse(text) == json.loads(text)


def test_json_parse__deep_arrays_beside_each_other_are_each_cut():
    deep = "[" * 1000 + "]" * 1000
    value = json_parse(f"[{deep}, 1, {deep}, 2]")
    assert value[1::2] == [1, 2]
    assert depth_of(value) == MAX_JSON_DEPTH


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000,
        "[" * 10_000 + "]" * 9_999,
        '"' + '\\"' * 100_000,
        "[" + '"a",' * 1000 + "[" * 10_000,
        "{" * 10_000 + "}" * 10_000,
        b"\xff\xfe\x00",
    ],
    ids=["unclosed", "one-short", "escaped-quotes", "unclosed-after-strings", "keyless", "bytes"],
)
def test_json_parse__text_that_is_not_json_is_value_error_never_recursion_error(text):
    with pytest.raises(ValueError):
        json_parse(text)


def test_json_parse__utf16_bodies_read_as_json_loads_reads_them():
    raw = json.dumps({"message": "héllo"}).encode("utf-16")
    assert json_parse(raw) == json.loads(raw)


@pytest.mark.django_db
def test_json_body_parser__reads_a_declared_charset_and_refuses_non_json_with_400(staff_client):
    error = ErrorLog.objects.create(fingerprint="f" * 64, error_type="E", message="m")
    response = staff_client.patch(
        f"/api/errors/{error.pk}",
        data='{"status": "résolu"}'.encode("latin-1"),
        content_type="application/json; charset=latin-1",
    )
    assert (
        response.json()["error"]
        == 'The request is not valid: status: "résolu" is not a valid choice.'
    )
    response = staff_client.patch(
        f"/api/errors/{error.pk}", data=b"{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "The request body is not valid JSON."
