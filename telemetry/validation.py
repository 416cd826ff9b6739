"""The hot-path validator of telemetry batches, equivalent to TelemetryEventSerializer.

TelemetryEventSerializer stays the described contract (and the OpenAPI schema); building and
running a DRF serializer per event costs far more than the checks themselves, so the batch
endpoint validates with the plain functions below. They make the same accept/refuse decisions,
return the NewEvent the serializer's validated data describes and the same error messages,
field by field in the serializer's order; tests/telemetry/test_fast_validation.py proves it with
generated events.

As in errors.validation, each field's rules and messages are read from the serializer's own
fields when this module is imported; a field of a kind this module does not know stops the
import instead of being let through unchecked.
"""

import re
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework import serializers

from common.serializers import MetadataField, snake_case
from common.validation import (
    INVALID_CHOICE,
    NULL,
    REQUIRED,
    is_plain_text_field,
    metadata_check,
    serializer_fields,
    text_check,
)
from telemetry.serializers import EventTypeField, TelemetryEventSerializer, allowed_event_types
from telemetry.services import NewEvent

_MISSING = object()
# The argument of a check that takes the current time zone, looked up once per batch.
_ZONE = object()

# DRF's IntegerField accepts "12.0" and 12.0 as 12, nothing else after the point.
_INTEGER_DECIMAL_ZEROS = re.compile(r"\.0*\s*$")


def _event_type(value, allowed_types: list[str]):
    if value is None:
        return None, [NULL]
    if value not in allowed_types:
        return None, [INVALID_CHOICE.format(input=value)]
    return value, None


def _integer(value, rule):
    minimum, maximum, messages = rule
    if value is None:
        return None, None
    if value.__class__ is not int:
        if isinstance(value, str) and len(value) > 1000:
            return None, [messages["max_string_length"]]
        try:
            value = int(_INTEGER_DECIMAL_ZEROS.sub("", str(value)))
        except (ValueError, TypeError):
            return None, [messages["invalid"]]
    if value > maximum:
        return None, [messages["max_value"].format(max_value=maximum)]
    if value < minimum:
        return None, [messages["min_value"].format(min_value=minimum)]
    return value, None


def _device_type(value, choices: dict):
    # TelemetryEventSerializer.to_internal_value lower-cases a string before the ChoiceField
    # looks it up by str(value).
    if value.__class__ is str:
        value = value.lower()
        if value in choices or value == "":
            return value, None
    elif value is None:
        return None, [NULL]
    elif str(value) in choices:
        return choices[str(value)], None
    return None, [INVALID_CHOICE.format(input=value)]


def _timestamp_check(field: serializers.DateTimeField):
    """Return the check of a DateTimeField, which takes the value and the current time zone."""

    def check(value, zone):
        # The common case, an ISO 8601 string with an offset, parsed as the field would parse
        # it; anything else (naive, out of range, another format, not a string) takes the
        # field's own path.
        if value.__class__ is str:
            try:
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is not None:
                    return parsed.astimezone(zone), None
            except (ValueError, OverflowError):
                pass
        try:
            return field.run_validation(value), None
        except serializers.ValidationError as error:
            return None, [str(message) for message in error.detail]

    return check


def _messages(field) -> dict:
    return {key: str(message) for key, message in field.error_messages.items()}


def _check_of(name: str, field):
    """Return the check of one optional TelemetryEventSerializer field and its argument."""
    kind, optional = type(field), not field.required and field.default is serializers.empty
    if optional and is_plain_text_field(field) and field.allow_blank and field.trim_whitespace:
        if not field.allow_null:
            return text_check, field.max_length
    elif optional and kind is serializers.IntegerField and field.allow_null:
        if None not in (field.min_value, field.max_value) and len(field.validators) == 2:
            return _integer, (field.min_value, field.max_value, _messages(field))
    elif optional and kind is MetadataField and field.allow_null and field.allow_empty:
        if not field.validators:
            return metadata_check, None
    elif optional and kind is serializers.ChoiceField and name == "deviceType":
        if field.allow_blank and not field.allow_null and not field.validators:
            return _device_type, field.choice_strings_to_values
    elif (
        optional
        and kind is serializers.DateTimeField
        and field.allow_null
        and not field.validators
        # The fast path parses as the field does with its default formats and time zone.
        and not {"input_formats", "timezone"} & vars(field).keys()
    ):
        return _timestamp_check(field), _ZONE
    raise ImproperlyConfigured(
        f"telemetry.validation cannot check TelemetryEventSerializer.{name} ({field!r}): "
        "teach event_validate its rules."
    )


def _rules() -> tuple:
    """Return (name, NewEvent attribute, check, argument) per field after `type`, in the
    serializer's order, which is the order of the error messages."""
    (first, event_type), *others = serializer_fields(TelemetryEventSerializer()).items()
    if first != "type" or type(event_type) is not EventTypeField or not event_type.required:
        raise ImproperlyConfigured("event_validate expects a required EventTypeField first.")
    return tuple((name, snake_case(name), *_check_of(name, field)) for name, field in others)


_FIELDS = _rules()


def event_validate(
    *, event: dict, allowed_types: list[str] | None = None, zone=None
) -> tuple[NewEvent | None, dict | None]:
    """Validate one event as TelemetryEventSerializer does; return (event, None) or (None, errors).

    The event is the NewEvent the serializer's validated data describes (a field sent as None or
    blank stays at its default); `errors` maps each refused field to its messages.
    `allowed_types` and `zone` (the current time zone) save looking them up once per event when a
    batch is validated.
    """
    if allowed_types is None:
        allowed_types = allowed_event_types()
    if zone is None:
        zone = timezone.get_current_timezone()
    errors = {}
    event_type = event.get("type", _MISSING)
    if event_type is _MISSING:
        errors["type"] = [REQUIRED]
    else:
        event_type, field_errors = _event_type(event_type, allowed_types)
        if field_errors:
            errors["type"] = field_errors
    # Checked values are set straight on the NewEvent: building a camelCase dict or keyword
    # arguments first costs more than all the checks of an event together.
    new_event = NewEvent(type=event_type)
    for name, attribute, check, argument in _FIELDS:
        value = event.get(name, _MISSING)
        if value is _MISSING:
            continue
        value, field_errors = check(value, zone if argument is _ZONE else argument)
        if field_errors:
            errors[name] = field_errors
        elif value is not None and value != "":
            setattr(new_event, attribute, value)
    if errors:
        return None, errors
    return new_event, None


def events_validate(*, events: list) -> tuple[list[NewEvent], list[dict]]:
    """Validate each event on its own; return the valid events and the errors by batch index.

    The same answer as telemetry.serializers.validate_events (its validated data as NewEvents),
    faster.
    """
    valid, errors = [], []
    allowed_types, zone = allowed_event_types(), timezone.get_current_timezone()
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            errors.append({"index": index, "errors": {"event": ["Must be a JSON object."]}})
            continue
        new_event, event_errors = event_validate(
            event=event, allowed_types=allowed_types, zone=zone
        )
        if event_errors:
            errors.append({"index": index, "errors": event_errors})
        else:
            valid.append(new_event)
    return valid, errors
