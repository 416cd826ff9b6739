"""Delete data past its retention period, per kind, in bounded batches."""

import time

from django.core.management.base import BaseCommand, CommandError

from common.retention import retention_purgers

# A long run prints a progress line at most this often, so cron logs show it is moving.
PROGRESS_INTERVAL_SECONDS = 10


class Command(BaseCommand):
    help = (
        "Delete telemetry, errors, feedback and health snapshots past retention (never aggregates)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="Rows per delete batch (default 2000)."
        )

    def handle(self, *args, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=2)
        verb = "would delete" if dry_run else "deleted"
        total = 0
        failed = []
        for name, purger in retention_purgers().items():
            started = time.monotonic()
            try:
                count = purger(
                    dry_run=dry_run, batch_size=batch_size, progress=self._progress(name, started)
                )
            except Exception as error:
                # One kind failing (a lock timeout, a missing table) must not keep the others.
                failed.append(name)
                self.stderr.write(
                    f"{name}: failed after {time.monotonic() - started:.1f}s: {error}"
                )
                continue
            total += count
            self.stdout.write(f"{name}: {verb} {count} ({time.monotonic() - started:.1f}s)")
        self.stdout.write(self.style.SUCCESS(f"Total {verb}: {total}"))
        if failed:
            raise CommandError(f"Purging failed for: {', '.join(failed)}.", returncode=1)

    def _progress(self, name: str, started: float):
        last_report = started

        def progress(done: int) -> None:
            nonlocal last_report
            now = time.monotonic()
            if now - last_report >= PROGRESS_INTERVAL_SECONDS:
                last_report = now
                rate = done / max(now - started, 0.001)
                self.stdout.write(
                    f"  {name}: {done} deleted so far ({now - started:.0f}s, {rate:.0f} rows/s)"
                )

        return progress
