"""factory_boy factories for every model the tests create."""

import factory
from django.contrib.auth import get_user_model

from telemetry.models import TelemetryEvent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class TelemetryEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TelemetryEvent

    type = "page_view"
    page = "/flow"
    session_id = factory.Sequence(lambda n: f"session{n}")
    device_type = "desktop"
