"""Plain-function twins of DRF field checks, shared by the hot-path validators of ingestion.

Building a DRF serializer per item costs far more than the checks themselves, so the telemetry
batch and error report endpoints validate with functions such as these, which make the same
decisions as the fields (and give the same messages, read from DRF's and Django's own). Each
returns `(value, errors)`: the cleaned value and None, or None and the list of messages.
The validators read each field's rules from their serializer when they are imported (with
serializer_fields below), so a serializer and its fast twin cannot drift apart.
"""

import re
import unicodedata

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from common.privacy import json_size
from common.serializers import MAX_METADATA_BYTES, METADATA_TOO_LARGE

# The messages of DRF's fields and validators, as plain strings (a lazy one costs a lookup
# per use); the validators are imported once the apps are ready, so translation works.
REQUIRED = str(serializers.Field.default_error_messages["required"])
NULL = str(serializers.Field.default_error_messages["null"])
NOT_A_STRING = str(serializers.CharField.default_error_messages["invalid"])
MAX_LENGTH = str(serializers.CharField.default_error_messages["max_length"])
NULL_CHARACTERS = str(ProhibitNullCharactersValidator.message)
SURROGATE = str(ProhibitSurrogateCharactersValidator.message)
NOT_A_DICT = str(serializers.DictField.default_error_messages["not_a_dict"])
INVALID_CHOICE = str(serializers.ChoiceField.default_error_messages["invalid_choice"])

_CHAR_VALIDATORS = [
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
]


def serializer_fields(serializer: serializers.Serializer) -> dict:
    """Return the fields of `serializer`, refusing (ImproperlyConfigured) one whose checks a
    fast validator would skip: a serializer or field `validate…` method, a read-only field, a
    field with another source or a callable default."""
    name = type(serializer).__name__
    if type(serializer).validate is not serializers.Serializer.validate or serializer.validators:
        raise ImproperlyConfigured(f"The fast validator does not run {name}.validate.")
    for field_name, field in serializer.fields.items():
        default = field.default
        if (
            field.read_only
            or field.source != field_name
            or (default is not empty and callable(default))
        ):
            raise ImproperlyConfigured(
                f"The fast validator cannot handle {field_name} ({field!r})."
            )
        if hasattr(serializer, f"validate_{field_name}"):
            raise ImproperlyConfigured(f"The fast validator skips {name}.validate_{field_name}.")
    return serializer.fields


def is_plain_text_field(field) -> bool:
    """Return whether `field` is a CharField that text_check checks: a maximum length and DRF's
    own validators, no minimum."""
    return (
        type(field) is serializers.CharField
        and field.min_length is None
        and field.max_length is not None
        and [type(validator) for validator in field.validators] == _CHAR_VALIDATORS
    )


_SURROGATES = re.compile("[\ud800-\udfff]")


def text_check(value, max_length: int, trim: bool = True):
    """Check one value of a CharField(allow_blank=True, max_length=…) as DRF does.

    A blank value (empty once trimmed, or exactly "" when `trim` is false) comes back as "";
    a field that refuses blanks refuses that "". None is refused: callers of a field that
    allows null accept it before calling.
    """
    if value.__class__ is str:
        if trim:
            value = value.strip()
        if not value:
            return "", None
    elif value is None:
        return None, [NULL]
    else:
        # DRF tests blankness on str(value) before it tests the type (CharField.run_validation).
        if value == "" or (trim and not str(value).strip()):
            return "", None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None, [NOT_A_STRING]
        value = str(value).strip() if trim else str(value)
    errors = []
    if len(value) > max_length:
        errors.append(MAX_LENGTH.format(max_length=max_length))
    if "\x00" in value:
        errors.append(NULL_CHARACTERS)
    surrogate = _SURROGATES.search(value)
    if surrogate:
        errors.append(SURROGATE.format(code_point=ord(surrogate.group())))
    return value, errors or None


def metadata_check(value, _unused=None):
    """Check one value of common.serializers.MetadataField(allow_null=True) as DRF does."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        return None, [NOT_A_DICT.format(input_type=type(value).__name__)]
    # DictField copies the mapping with str(key) keys; JSON object keys are strings already.
    for key in value:
        if key.__class__ is not str:
            value = {str(name): item for name, item in value.items()}
            break
    if json_size(value) > MAX_METADATA_BYTES:
        return None, [METADATA_TOO_LARGE]
    return value, None


def is_storable(text: str) -> bool:
    """Return whether `text` has neither a NUL byte nor an unpaired surrogate, which the
    databases refuse."""
    return not any(character == "\x00" or "\ud800" <= character <= "\udfff" for character in text)


def is_plain_text(text: str) -> bool:
    """Return whether `text` is storable and free of control characters and line breaks."""
    return is_storable(text) and not any(
        unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in text
    )
