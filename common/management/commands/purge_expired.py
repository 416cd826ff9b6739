"""Delete data past its retention period, per kind, in bounded batches."""

import time

from django.core.management.base import BaseCommand, CommandError

from common.retention import retention_purgers


class Command(BaseCommand):
    help = (
        "Delete telemetry, errors, feedback and health snapshots past retention (never aggregates)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows per delete batch (default 5000)."
        )

    def handle(self, *args, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        verb = "would delete" if dry_run else "deleted"
        total = 0
        for name, purger in retention_purgers().items():
            started = time.monotonic()
            last_report = [started]

            def progress(done, name=name, started=started, last_report=last_report):
                now = time.monotonic()
                if now - last_report[0] >= 2:
                    last_report[0] = now
                    self.stdout.write(f"  {name}: {done} deleted so far ({now - started:.0f}s)")

            count = purger(dry_run=dry_run, batch_size=batch_size, progress=progress)
            total += count
            self.stdout.write(f"{name}: {verb} {count} ({time.monotonic() - started:.1f}s)")
        self.stdout.write(self.style.SUCCESS(f"Total {verb}: {total}"))
