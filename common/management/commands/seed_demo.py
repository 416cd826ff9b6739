"""Fill an empty database with a week of realistic demo data."""

from django.core.management.base import BaseCommand, CommandError

from common.demo import demo_generators


class Command(BaseCommand):
    help = "Fill an empty database with a week of demo telemetry, errors and feedback."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How many days back (default 7).")
        parser.add_argument(
            "--sessions-per-day", type=int, default=150, help="Sessions per day (default 150)."
        )
        parser.add_argument("--seed", type=int, default=14, help="Random seed (default 14).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Exit quietly (status 0) when data exists, instead of refusing.",
        )

    def handle(self, *args, days, sessions_per_day, seed, if_empty, **options):
        if days < 1 or sessions_per_day < 1:
            raise CommandError("--days and --sessions-per-day must be at least 1.")
        filled = [generator.name for generator in demo_generators() if generator.has_data()]
        if filled:
            if if_empty:
                self.stdout.write("Demo data: the database already has data; nothing loaded.")
                return
            self.stderr.write(
                f"The database already has {', '.join(filled)}; seed_demo fills empty ones only."
            )
            raise SystemExit(1)
        for generator in demo_generators():
            summary = generator.generate(
                days=days, sessions_per_day=sessions_per_day, seed=seed, progress=self.stdout.write
            )
            self.stdout.write(self.style.SUCCESS(f"Demo data: {summary}."))
