"""Serializer fields every ingestion endpoint shares, and the two camelCase crossings: validated
camelCase data into a snake_case domain value, and snake_case values into camelCase answers."""

import dataclasses
import functools
import re

from rest_framework import serializers

from common.privacy import json_size

MAX_METADATA_BYTES = 8 * 1024
METADATA_TOO_LARGE = f"Ensure metadata is at most {MAX_METADATA_BYTES} bytes as JSON."


class MetadataField(serializers.DictField):
    """A JSON object of free-form context, at most MAX_METADATA_BYTES once encoded."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if json_size(value) > MAX_METADATA_BYTES:
            raise serializers.ValidationError(METADATA_TOO_LARGE)
        return value


_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    """Return the snake_case spelling of a camelCase name (`userAgent` → `user_agent`)."""
    return _WORD_START.sub("_", name).lower()


def camel_case(name: str) -> str:
    """Return the camelCase spelling of a snake_case name (`user_agent` → `userAgent`)."""
    head, *words = name.split("_")
    return head + "".join(word.capitalize() for word in words)


@functools.cache
def _camel_case_keys(cls) -> tuple[tuple[str, str, bool], ...]:
    return tuple(
        (field.name, camel_case(field.name), field.default is not dataclasses.MISSING)
        for field in dataclasses.fields(cls)
    )


def dataclass_from_camel_case(cls, data: dict):
    """Return the `cls` dataclass that validated camelCase `data` describes: each field from its
    camelCase key (`user_agent` from `userAgent`); a key that is missing, None or blank leaves an
    optional field at its default."""
    values = {}
    for name, key, has_default in _camel_case_keys(cls):
        value = data.get(key)
        if has_default and (value is None or value == ""):
            continue
        values[name] = data[key] if value is None else value
    return cls(**values)


class CamelCaseSerializer(serializers.Serializer):
    """A serializer that writes snake_case values under camelCase names: a field named
    `userAgent` reads `user_agent` unless it is given another source."""

    # The names written first; the other fields follow in declaration order (a base class's
    # first), so a shared base does not move keys a subclass documents before it.
    leading_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        fields = {name: fields.pop(name) for name in self.leading_fields} | fields
        for name, field in fields.items():
            if field.source is None:
                snake = snake_case(name)
                if snake != name:
                    field.source = snake
        return fields


class CamelCaseKeysField(serializers.DictField):
    """A dict with snake_case keys, written with camelCase keys."""

    def to_representation(self, value):
        return super().to_representation({camel_case(key): item for key, item in value.items()})


class IsoDateTimeField(serializers.DateTimeField):
    """A date-time written as Python's isoformat(): "+00:00", not DRF's "Z"."""

    def to_representation(self, value):
        return value.isoformat()
