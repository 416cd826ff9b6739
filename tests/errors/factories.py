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


def error_reported(payload: dict, **kwargs) -> ErrorLog:
    """Report `payload` (an API body, camelCase) through the service, let the digest count it,
    and return its group as stored."""
    from errors.digest import error_digest
    from errors.ingest import error_report
    from errors.serializers import error_report_input

    reported = error_report(report=error_report_input(payload), **kwargs)
    error_digest()
    return ErrorLog.objects.get(pk=reported.error_id)
