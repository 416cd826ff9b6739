"""The hotfix commands' terminal side: the questions they ask and the checkout they work on."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hotfix.git import HotfixError
from hotfix.selectors import repository_root


def confirm_on_stdin(out):
    """Return a confirm(question) that asks on `out` and reads y/N from standard input.

    End of input (cron, a closed pipe) counts as "no", so nothing runs unattended by accident.
    """

    def confirm(question: str) -> bool:
        out.write(f"{question} [y/N] ", ending="")
        out.flush()
        answer = sys.stdin.readline()
        if not sys.stdin.isatty():
            out.write(answer.strip())
        return answer.strip().lower() in {"y", "yes"}

    return confirm


class CheckoutCommand(BaseCommand):
    """A command that works on a checkout (`--repo`) after asking (`--yes` answers for the
    operator); a HotfixError ends it with its message and exit code. Subclasses define
    `run(*, repo, confirm, **options)`."""

    repo_help = "The checkout to work on (default: this project's own)."

    def add_arguments(self, parser):
        parser.add_argument("--repo", type=Path, default=settings.BASE_DIR, help=self.repo_help)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, repo, yes, **options):
        try:
            self.run(
                repo=repository_root(path=repo.resolve()),
                confirm=(lambda question: True) if yes else confirm_on_stdin(self.stdout),
                **options,
            )
        except HotfixError as error:
            raise CommandError(error.message, returncode=error.returncode) from error

    def run(self, *, repo: Path, confirm, **options):
        raise NotImplementedError
