"""The hot-path validator of error reports, equivalent to ErrorReportSerializer.

ErrorReportSerializer stays the described contract (and the OpenAPI schema); building and
running it costs far more than its checks (DRF deep-copies the fields of every new serializer),
so POST /api/errors validates with report_validate below. It accepts exactly the bodies the
serializer accepts and returns the same validated data; a body it refuses goes to the
serializer, whose 400 answer the client gets, so this module needs no error messages.
tests/errors/test_fast_validation.py proves the agreement with generated bodies.

Each field's rules (length limit, trimming, blank, null, required, default) are read from the
serializer's own fields when this module is imported, so the two cannot drift apart; a field
of a kind this module does not know stops the import instead of being let through unchecked.
"""

from enum import Enum

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.fields import empty

from common.serializers import MetadataField
from common.validation import is_plain_text_field, metadata_check, serializer_fields, text_check
from errors.serializers import ErrorReportSerializer

_MISSING = object()
_REFUSED = object()


def _text(value, rule):
    max_length, trim, allow_blank = rule
    value, errors = text_check(value, max_length, trim)
    if errors or (value == "" and not allow_blank):
        return _REFUSED
    return value


def _severity(value, choices: dict):
    # ErrorReportSerializer.to_internal_value lower-cases a string before the ChoiceField
    # looks it up by str(value), as ChoiceField.to_internal_value does.
    if isinstance(value, str):
        value = value.lower()
    elif isinstance(value, Enum) and str(value) != str(value.value):
        value = value.value
    return choices.get(str(value), _REFUSED)


def _metadata(value, _unused):
    value, errors = metadata_check(value)
    return _REFUSED if errors else value


def _check_of(name: str, field):
    """Return the check of one serializer field and its argument."""
    if is_plain_text_field(field):
        return _text, (field.max_length, field.trim_whitespace, field.allow_blank)
    if type(field) is serializers.ChoiceField and name == "severity":
        if not field.allow_blank and not field.validators:
            return _severity, field.choice_strings_to_values
    elif type(field) is MetadataField and field.allow_empty and not field.validators:
        return _metadata, None
    raise ImproperlyConfigured(
        f"errors.validation cannot check ErrorReportSerializer.{name} ({field!r}): "
        "teach report_validate its rules."
    )


def _rules() -> tuple:
    """Return (name, check, argument, required, default, allow_null) per serializer field."""
    rules = []
    for name, field in serializer_fields(ErrorReportSerializer()).items():
        check, argument = _check_of(name, field)
        rules.append((name, check, argument, field.required, field.default, field.allow_null))
    return tuple(rules)


_RULES = _rules()


def report_validate(body: dict) -> dict | None:
    """Return ErrorReportSerializer(data=body).validated_data, or None if it refuses the body.

    The same keys, values and value types, without building a serializer; keys the serializer
    does not know are ignored, as it ignores them.
    """
    if not isinstance(body, dict):
        return None
    data = {}
    for name, check, argument, required, default, allow_null in _RULES:
        value = body.get(name, _MISSING)
        if value is _MISSING:
            if required:
                return None
            if default is not empty:
                data[name] = default
            continue
        if value is None:
            if not allow_null:
                return None
            data[name] = None
            continue
        value = check(value, argument)
        if value is _REFUSED:
            return None
        data[name] = value
    return data


def report_payload(body) -> dict:
    """Return the validated data of an error report, or raise the serializer's ValidationError
    (its 400 answer) when the body is refused.

    The fast check decides; a body it refuses goes through ErrorReportSerializer, whose
    messages the client gets (and which, should the two ever disagree, accepts it itself).
    """
    payload = report_validate(body)
    if payload is None:
        serializer = ErrorReportSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        payload = serializer.validated_data
    return payload
