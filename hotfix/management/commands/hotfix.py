"""Release a hotfix: bump VERSION, add a CHANGELOG entry, lint, build, test and commit."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hotfix.git import HotfixError
from hotfix.selectors import repository_root
from hotfix.services import hotfix_release
from hotfix.terminal import confirm_on_stdin


class Command(BaseCommand):
    help = (
        "Run the hotfix pipeline: clean-tree check, VERSION bump, CHANGELOG entry, lint, "
        "build checks, tests, commit; then print the push command."
    )

    def add_arguments(self, parser):
        parser.add_argument("message", help="What the hotfix fixes (one line).")
        parser.add_argument(
            "--repo",
            type=Path,
            default=settings.BASE_DIR,
            help="A checkout of this project to release from (default: this one).",
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, message, repo, yes, **options):
        try:
            hotfix_release(
                repo=repository_root(path=repo.resolve()),
                message=message,
                commands=settings.HOTFIX,
                confirm=(lambda question: True) if yes else confirm_on_stdin(self.stdout),
                out=self.stdout,
            )
        except HotfixError as error:
            raise CommandError(error.message, returncode=error.returncode) from error
