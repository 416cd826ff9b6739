"""Reads of the hotfix app: the state of a git repository."""

from dataclasses import dataclass
from pathlib import Path

from hotfix.git import HotfixError, git_output, git_run


@dataclass(frozen=True)
class CommitSummary:
    """What an operator checks before reverting a commit."""

    hash: str
    author: str
    date: str
    subject: str
    parents: list[str]
    files: list[str]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


def repository_root(*, path: Path) -> Path:
    """Return the top folder of the git checkout at `path`; raise HotfixError (misuse) if none."""
    if not path.is_dir():
        raise HotfixError(f"{path} is not a folder.", returncode=2)
    result = git_run(repo=path, args=["rev-parse", "--show-toplevel"], check=False)
    if result.returncode != 0:
        raise HotfixError(f"{path} is not inside a git repository.", returncode=2)
    return Path(result.stdout.strip())


def working_tree_changes(*, repo: Path) -> list[str]:
    """Return `git status --porcelain` lines: modified, staged and untracked files."""
    output = git_run(repo=repo, args=["status", "--porcelain"]).stdout
    return [line for line in output.splitlines() if line.strip()]


def repository_has_commits(*, repo: Path) -> bool:
    """Return whether HEAD points at a commit."""
    return (
        git_run(repo=repo, args=["rev-parse", "--verify", "-q", "HEAD"], check=False).returncode
        == 0
    )


def commit_last_get(*, repo: Path) -> CommitSummary:
    """Return the commit HEAD points at, with the files it changed."""
    fields = git_output(
        repo=repo, args=["log", "-1", "--format=%H%x00%an <%ae>%x00%aI%x00%s%x00%P"]
    )
    commit_hash, author, date, subject, parents = fields.split("\x00")
    files = git_output(
        repo=repo,
        args=["show", "--first-parent", "--name-status", "--format=", "HEAD"],
    )
    return CommitSummary(
        hash=commit_hash,
        author=author,
        date=date,
        subject=subject,
        parents=parents.split(),
        files=[line.replace("\t", " ") for line in files.splitlines() if line.strip()],
    )


def push_command(*, repo: Path) -> list[str] | None:
    """Return the git arguments that push the current branch, or None without a remote.

    The branch's upstream is used when it has one, else `origin` (or the only remote).
    """
    branch = git_output(repo=repo, args=["rev-parse", "--abbrev-ref", "HEAD"])
    upstream = git_run(
        repo=repo,
        args=["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"],
        check=False,
    )
    if upstream.returncode == 0 and "/" in upstream.stdout:
        remote, remote_branch = upstream.stdout.strip().split("/", 1)
        return ["push", remote, f"HEAD:{remote_branch}"]
    remotes = git_output(repo=repo, args=["remote"]).split()
    if not remotes:
        return None
    remote = "origin" if "origin" in remotes else remotes[0]
    return ["push", remote, branch]
