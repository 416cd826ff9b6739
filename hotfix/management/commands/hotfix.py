"""Release a hotfix: bump VERSION, add a CHANGELOG entry, lint, build, test and commit."""

from django.conf import settings

from hotfix.services import hotfix_release
from hotfix.terminal import CheckoutCommand


class Command(CheckoutCommand):
    help = (
        "Run the hotfix pipeline: clean-tree check, VERSION bump, CHANGELOG entry, lint, "
        "build checks, tests, commit; then print the push command."
    )
    repo_help = "A checkout of this project to release from (default: this one)."

    def add_arguments(self, parser):
        parser.add_argument("message", help="What the hotfix fixes (one line).")
        super().add_arguments(parser)

    def run(self, *, repo, confirm, message, **options):
        hotfix_release(
            repo=repo, message=message, commands=settings.HOTFIX, confirm=confirm, out=self.stdout
        )
