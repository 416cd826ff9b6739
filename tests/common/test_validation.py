"""The shared pieces of the fast validators: the serializer checks, and rules read from it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from common import validation as common_validation
from telemetry import validation as telemetry_validation
from telemetry.serializers import TelemetryEventSerializer


class Plain(serializers.Serializer):
    name = serializers.CharField(max_length=10)


def test_serializer_fields__returns_the_fields_of_a_plain_serializer():
    assert list(common_validation.serializer_fields(Plain())) == ["name"]


@pytest.mark.parametrize(
    "extra",
    [
        {"validate": lambda self, attrs: attrs},
        {"validate_name": lambda self, value: value},
        {"other": serializers.CharField(source="name")},
        {"other": serializers.CharField(read_only=True)},
        {"other": serializers.CharField(default=str)},
    ],
)
def test_serializer_fields__refuses_what_a_fast_validator_would_skip(extra):
    with pytest.raises(ImproperlyConfigured):
        common_validation.serializer_fields(type("Refused", (Plain,), extra)())


def test_is_plain_text_field__only_a_char_field_with_drf_s_own_validators():
    assert common_validation.is_plain_text_field(serializers.CharField(max_length=3))
    assert not common_validation.is_plain_text_field(serializers.CharField())
    assert not common_validation.is_plain_text_field(
        serializers.CharField(max_length=3, min_length=1)
    )
    assert not common_validation.is_plain_text_field(serializers.EmailField(max_length=3))


def test_telemetry_rules__are_read_from_the_serializer(monkeypatch):
    class ShorterPage(TelemetryEventSerializer):
        page = serializers.CharField(max_length=10, required=False, allow_blank=True)

    class WithCount(TelemetryEventSerializer):
        count = serializers.FloatField(required=False)

    monkeypatch.setattr(telemetry_validation, "TelemetryEventSerializer", ShorterPage)
    rules = {name: argument for name, _attribute, _check, argument in telemetry_validation._rules()}
    assert rules["page"] == 10
    assert rules["duration"][:2] == (0, 24 * 60 * 60 * 1000)
    monkeypatch.setattr(telemetry_validation, "TelemetryEventSerializer", WithCount)
    with pytest.raises(ImproperlyConfigured, match="count"):
        telemetry_validation._rules()
