"""The camelCase crossings: answers from snake_case values, domain values from camelCase data."""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from rest_framework import serializers

from common.serializers import CamelCaseSerializer, dataclass_from_camel_case


class Answer(CamelCaseSerializer):
    userAgent = serializers.CharField()
    page = serializers.CharField()
    kind = serializers.CharField(source="event_type")
    firstSeenAt = serializers.IntegerField()


def test_camel_case_serializer__reads_the_snake_case_attribute_unless_given_a_source():
    value = SimpleNamespace(user_agent="ua", page="/", event_type="click", first_seen_at=3)
    assert Answer(value).data == {"userAgent": "ua", "page": "/", "kind": "click", "firstSeenAt": 3}


@dataclass(frozen=True)
class _Report:
    error_type: str
    user_agent: str = ""
    duration: int | None = None
    metadata: dict | None = None
    severity: str = "error"


def test_dataclass_from_camel_case__reads_camel_keys_and_keeps_defaults_for_missing_or_blank():
    report = dataclass_from_camel_case(
        _Report, {"errorType": "E", "userAgent": "", "duration": 0, "metadata": {}}
    )
    assert report == _Report(error_type="E", user_agent="", duration=0, metadata={})
    assert dataclass_from_camel_case(_Report, {"errorType": "E", "severity": None}).severity == (
        "error"
    )
    assert dataclass_from_camel_case(_Report, {"errorType": "E", "userAgent": "UA"}).user_agent == (
        "UA"
    )


def test_dataclass_from_camel_case__a_missing_required_key_is_a_key_error():
    with pytest.raises(KeyError):
        dataclass_from_camel_case(_Report, {"userAgent": "UA"})
