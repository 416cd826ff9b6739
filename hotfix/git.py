"""The one way the hotfix app talks to git: run a git command in a repository, fail clearly."""

import subprocess
from pathlib import Path


class HotfixError(Exception):
    """A pipeline or rollback step the operator must hear about, with the exit code to use.

    `returncode` follows the commands' contract: 1 for a failing step, 2 for misuse.
    """

    def __init__(self, message: str, *, returncode: int = 1):
        super().__init__(message)
        self.message = message
        self.returncode = returncode


def git_run(*, repo: Path, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """Run `git args` in `repo` and return the finished process; raise HotfixError on failure."""
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise HotfixError(f"`git {' '.join(args)}` failed: {detail}")
    return result


def git_output(*, repo: Path, args: list[str]) -> str:
    """Return the standard output of `git args` in `repo`, stripped."""
    return git_run(repo=repo, args=args).stdout.strip()
