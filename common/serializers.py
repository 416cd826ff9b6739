"""Serializer fields every ingestion endpoint shares."""

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
