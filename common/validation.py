"""Plain-function twins of DRF field checks, shared by the hot-path validators of ingestion.

Building a DRF serializer per item costs far more than the checks themselves, so the telemetry
batch and error report endpoints validate with functions such as these, which make the same
decisions as the fields (and give the same messages). Each returns `(value, errors)`: the
cleaned value and None, or None and the list of messages.
"""

import re

from common.privacy import json_size
from common.serializers import MAX_METADATA_BYTES, METADATA_TOO_LARGE

NULL = "This field may not be null."
NOT_A_STRING = "Not a valid string."
MAX_LENGTH = "Ensure this field has no more than {max_length} characters."
NULL_CHARACTERS = "Null characters are not allowed."
SURROGATE = "Surrogate characters are not allowed: U+{code_point:X}."
NOT_A_DICT = 'Expected a dictionary of items but got type "{input_type}".'

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
