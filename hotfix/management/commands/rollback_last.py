"""Revert the last commit with a new commit, after showing it and asking."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hotfix.git import HotfixError
from hotfix.selectors import repository_root
from hotfix.services import commit_last_revert
from hotfix.terminal import confirm_on_stdin


class Command(BaseCommand):
    help = (
        "Show the last commit, stash local changes and revert it with a new commit "
        "(history is never rewritten); push only with --push."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repo",
            type=Path,
            default=settings.BASE_DIR,
            help="The checkout to roll back (default: this project's own).",
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--push", action="store_true", help="Push the revert commit to the remote."
        )
        parser.add_argument(
            "--mainline",
            type=int,
            default=None,
            help="For a merge commit: the parent number to keep (usually 1).",
        )

    def handle(self, *args, repo, yes, push, mainline, **options):
        try:
            commit_last_revert(
                repo=repository_root(path=repo.resolve()),
                confirm=(lambda question: True) if yes else confirm_on_stdin(self.stdout),
                out=self.stdout,
                push=push,
                mainline=mainline,
            )
        except HotfixError as error:
            raise CommandError(error.message, returncode=error.returncode) from error
