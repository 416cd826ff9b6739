"""Print the health document; the exit code tells cron or CI whether it is failing."""

import json

from django.core.management.base import BaseCommand, CommandError

from health.models import HealthStatus
from health.probes import status_at_least
from health.serializers import HealthDocumentSerializer
from health.services import health_check_run


class Command(BaseCommand):
    help = "Print the extended health document as JSON; exit 1 at or above --fail-on, 2 on misuse."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fail-on",
            choices=[HealthStatus.DEGRADED.value, HealthStatus.UNHEALTHY.value],
            default=HealthStatus.UNHEALTHY.value,
            help="Exit 1 when the status is this bad or worse (default: unhealthy).",
        )

    def handle(self, *args, fail_on, **options):
        report = health_check_run(store=False)
        self.stdout.write(json.dumps(HealthDocumentSerializer(report).data, indent=2))
        if status_at_least(report.status, fail_on):
            raise CommandError(
                f"Health is {report.status} (failing at {fail_on}): "
                + ("; ".join(report.reasons) or "see the document."),
                returncode=1,
            )
