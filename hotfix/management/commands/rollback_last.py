"""Revert the last commit with a new commit, after showing it and asking."""

from hotfix.services import commit_last_revert
from hotfix.terminal import CheckoutCommand


class Command(CheckoutCommand):
    help = (
        "Show the last commit, stash local changes and revert it with a new commit "
        "(history is never rewritten); push only with --push."
    )
    repo_help = "The checkout to roll back (default: this project's own)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--push", action="store_true", help="Push the revert commit to the remote."
        )
        parser.add_argument(
            "--mainline",
            type=int,
            default=None,
            help="For a merge commit: the parent number to keep (usually 1).",
        )

    def run(self, *, repo, confirm, push, mainline, **options):
        commit_last_revert(
            repo=repo, confirm=confirm, out=self.stdout, push=push, mainline=mainline
        )
