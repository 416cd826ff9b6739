"""Serializer fields every ingestion endpoint shares, and the base of camelCase answers."""

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
                snake = _WORD_START.sub("_", name).lower()
                if snake != name:
                    field.source = snake
        return fields
