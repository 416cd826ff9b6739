"""factory_boy factories of the errors app."""

import factory
from django.utils import timezone

from errors.models import ErrorLog


class ErrorLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ErrorLog

    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    error_type = "TypeError"
    message = factory.Sequence(lambda n: f"Something broke #{n}")
    severity = "error"
    frequency = 1
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyFunction(timezone.now)
