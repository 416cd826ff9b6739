"""Rebuild the hourly telemetry roll-ups of the last N days."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from telemetry.aggregation import telemetry_rollup


class Command(BaseCommand):
    help = "Recompute the hourly telemetry roll-ups of the last N days (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=2, help="How many days back to recompute (default 2)."
        )

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        now = timezone.now()
        result = telemetry_rollup(since=now - timedelta(days=days), now=now)
        self.stdout.write(
            f"Rolled up {result.events} events from {result.start:%Y-%m-%d %H:%M} to "
            f"{result.until:%Y-%m-%d %H:%M:%S} UTC: {result.aggregate_rows} hourly rows, "
            f"{result.duration_rows} duration histograms."
        )
