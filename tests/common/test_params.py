"""The query-parameter readers in common.params."""

import pytest

from common.params import one_of


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7d", "7d"), ("24h", "24h"), (None, "7d"), ("", "7d"), ("7D", "7d"), ("x" * 500, "7d")],
)
def test_one_of__returns_an_allowed_value_else_the_default(value, expected):
    assert one_of(value, {"24h": 1, "7d": 7}, default="7d") == expected


def test_one_of__defaults_to_empty():
    assert one_of("bogus", ["a", "b"]) == ""
