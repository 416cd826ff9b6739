"""CamelCaseSerializer writes snake_case values under camelCase names."""

from types import SimpleNamespace

from rest_framework import serializers

from common.serializers import CamelCaseSerializer


class Answer(CamelCaseSerializer):
    userAgent = serializers.CharField()
    page = serializers.CharField()
    kind = serializers.CharField(source="event_type")
    firstSeenAt = serializers.IntegerField()


def test_camel_case_serializer__reads_the_snake_case_attribute_unless_given_a_source():
    value = SimpleNamespace(user_agent="ua", page="/", event_type="click", first_seen_at=3)
    assert Answer(value).data == {"userAgent": "ua", "page": "/", "kind": "click", "firstSeenAt": 3}
