"""Writes of the hotfix app: the hotfix release pipeline and the revert of the last commit.

Both talk to git only through hotfix.git, never to a domain app ("hotfix knows no domain app").
Progress goes to `out`, anything with a `write(text)` method (a command's self.stdout).
"""

import datetime
import re
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from hotfix.git import HotfixError, git_output, git_run
from hotfix.selectors import (
    commit_last_get,
    push_command,
    repository_has_commits,
    working_tree_changes,
)

VERSION_FILE = "VERSION"
CHANGELOG_FILE = "CHANGELOG.md"
FAILED_OUTPUT_LINES = 40

_VERSION = re.compile(r"^(?P<release>\d+\.\d+\.\d+)(?:q(?P<hotfix>\d*))?$")
_RELEASE_HEADING = re.compile(r"^## (?!\[?unreleased\]?\s*$)", re.IGNORECASE)

Confirm = Callable[[str], bool]


def version_next(*, version: str) -> str:
    """Return the hotfix version after `version`: 0.14.0 → 0.14.0q1, 0.14.0q1 → 0.14.0q2."""
    match = _VERSION.match(version.strip())
    if not match:
        raise HotfixError(
            f"VERSION holds {version.strip()!r}, which is not a release such as 0.14.0 "
            "or a hotfix such as 0.14.0q1."
        )
    return f"{match['release']}q{int(match['hotfix'] or 0) + 1}"


def changelog_entry_insert(*, text: str, version: str, day: datetime.date, message: str) -> str:
    """Return CHANGELOG text with a `## [version] - day` entry for `message` as newest release.

    The entry goes above the newest release heading (below `## [Unreleased]`, which by
    Keep a Changelog convention stays first), or at the end when no release is listed yet.
    """
    entry = f"## [{version}] - {day.isoformat()}\n\n### Fixed\n- Hotfix: {message}\n\n"
    if not text.strip():
        return f"# Changelog\n\n{entry}"
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if _RELEASE_HEADING.match(line):
            return "".join(lines[:index]) + entry + "".join(lines[index:])
    return text.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n"


# Long on purpose: the eight steps read top to bottom, with the one rollback around them.
def hotfix_release(
    *,
    repo: Path,
    message: str,
    commands: dict[str, list[list[str]]],
    confirm: Confirm,
    out,
    today: datetime.date | None = None,
) -> str:
    """Run the hotfix pipeline in `repo` and return the commit hash it made.

    Steps: refuse a dirty tree; bump VERSION; add the CHANGELOG entry; run the LINT, BUILD
    and TEST commands of `commands`; commit VERSION and CHANGELOG.md. Any failure (or an
    interrupt) puts VERSION and CHANGELOG.md back as they were and raises HotfixError.
    """
    message = " ".join(message.split())
    if not message:
        raise HotfixError('Give the hotfix a message, e.g. hotfix "Fix login loop".', returncode=2)
    total = 8
    started = time.monotonic()

    out.write(f"[1/{total}] Check the working tree is clean")
    _tree_clean_check(repo=repo)
    version_path = repo / VERSION_FILE
    if not version_path.is_file():
        raise HotfixError(f"{version_path} does not exist; the pipeline bumps the version there.")
    current = version_path.read_text().strip()
    new_version = version_next(version=current)
    if not confirm(f"Release hotfix {current} → {new_version} “{message}” from {repo}?"):
        raise HotfixError("Hotfix cancelled; nothing was changed.")

    changelog_path = repo / CHANGELOG_FILE
    saved = {
        path: path.read_bytes() if path.exists() else None
        for path in (version_path, changelog_path)
    }
    try:
        out.write(f"[2/{total}] Bump VERSION {current} → {new_version}")
        version_path.write_text(new_version + "\n")

        out.write(f"[3/{total}] Add the {CHANGELOG_FILE} entry")
        previous = changelog_path.read_text() if changelog_path.exists() else ""
        changelog_path.write_text(
            changelog_entry_insert(
                text=previous,
                version=new_version,
                day=today or datetime.datetime.now(tz=datetime.UTC).date(),
                message=message,
            )
        )

        for number, (label, key) in enumerate(
            (("Lint", "LINT"), ("Build checks", "BUILD"), ("Tests", "TEST")), start=4
        ):
            _commands_run(
                repo=repo, label=f"[{number}/{total}] {label}", argvs=commands.get(key, []), out=out
            )

        out.write(f"[7/{total}] Commit")
        git_run(repo=repo, args=["add", "--", VERSION_FILE, CHANGELOG_FILE])
        git_run(repo=repo, args=["commit", "-q", "-m", f"hotfix: {new_version} — {message}"])
    except BaseException:
        _release_files_restore(repo=repo, saved=saved, out=out)
        raise
    commit_hash = git_output(repo=repo, args=["rev-parse", "HEAD"])
    out.write(f"      committed {commit_hash[:12]} in {time.monotonic() - started:.1f}s in all")

    push = push_command(repo=repo)
    push_line = (
        shlex.join(["git", "-C", str(repo), *push])
        if push
        else f"git -C {shlex.quote(str(repo))} push <remote> <branch>  (no remote is configured)"
    )
    out.write(f"[8/{total}] Ready to push {new_version}:\n      {push_line}")
    return commit_hash


def _tree_clean_check(*, repo: Path) -> None:
    """Refuse a repository without commits or with uncommitted changes."""
    if not repository_has_commits(repo=repo):
        raise HotfixError(f"{repo} has no commits yet; commit the fix first.")
    changes = working_tree_changes(repo=repo)
    if changes:
        listed = "\n  ".join(changes[:20]) + ("\n  …" if len(changes) > 20 else "")
        raise HotfixError(
            "The working tree has uncommitted changes; commit or stash them first "
            f"(nothing was changed):\n  {listed}"
        )


def _release_files_restore(*, repo: Path, saved: dict[Path, bytes | None], out) -> None:
    """Put VERSION and CHANGELOG.md back as `saved` holds them (absent where None)."""
    git_run(repo=repo, args=["reset", "-q", "--", VERSION_FILE, CHANGELOG_FILE], check=False)
    for path, content in saved.items():
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(content)
    out.write(f"Restored {VERSION_FILE} and {CHANGELOG_FILE}; the tree is as it was.")


def _commands_run(*, repo: Path, label: str, argvs: list[list[str]], out) -> None:
    if not argvs:
        out.write(f"{label}: nothing configured, skipped")
    for argv in argvs:
        shown = shlex.join(argv)
        out.write(f"{label}: {shown} …")
        started = time.monotonic()
        try:
            result = subprocess.run(
                argv,
                cwd=repo,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        except OSError as error:
            raise HotfixError(f"{label} could not start `{shown}`: {error}") from error
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            tail = "\n".join(result.stdout.rstrip().splitlines()[-FAILED_OUTPUT_LINES:])
            raise HotfixError(
                f"{label} failed: `{shown}` exited with {result.returncode} after {elapsed:.1f}s."
                + (f"\n{tail}" if tail else "")
            )
        out.write(f"      ok in {elapsed:.1f}s")


def commit_last_revert(
    *, repo: Path, confirm: Confirm, out, push: bool = False, mainline: int | None = None
) -> str:
    """Revert the last commit of `repo` with a new commit and return its hash.

    Show the commit, ask `confirm`, stash uncommitted changes under a name (and say how to get
    them back), `git revert` (history is never rewritten), and push only when `push` is set.
    """
    if not repository_has_commits(repo=repo):
        raise HotfixError(f"{repo} has no commits; there is nothing to roll back.")
    commit = commit_last_get(repo=repo)
    _mainline_check(commit=commit, mainline=mainline)
    push_args = push_command(repo=repo) if push else None
    if push and push_args is None:
        raise HotfixError("--push needs a git remote, and this repository has none.", returncode=2)

    out.write(
        f"Last commit: {commit.hash}\n"
        f"  Author:  {commit.author}\n"
        f"  Date:    {commit.date}\n"
        f"  Subject: {commit.subject}\n"
        f"  Files changed ({len(commit.files)}):\n"
        + "".join(f"    {line}\n" for line in commit.files).rstrip("\n")
    )
    if not confirm(f"Revert {commit.hash[:12]} with a new commit?"):
        raise HotfixError("Rollback cancelled; nothing was changed.")

    if working_tree_changes(repo=repo):
        _changes_stash(repo=repo, commit=commit, out=out)

    args = ["revert", "--no-edit"] + (["-m", str(mainline)] if mainline else []) + ["HEAD"]
    result = git_run(repo=repo, args=args, check=False)
    if result.returncode != 0:
        git_run(repo=repo, args=["revert", "--abort"], check=False)
        raise HotfixError(
            f"git revert failed and was aborted: {(result.stderr or result.stdout).strip()}"
        )
    revert_hash = git_output(repo=repo, args=["rev-parse", "HEAD"])
    out.write(f"Reverted {commit.hash[:12]} with the new commit {revert_hash[:12]}.")

    if push_args:
        pushed = git_run(repo=repo, args=push_args, check=False)
        if pushed.returncode != 0:
            raise HotfixError(
                f"The revert is committed locally ({revert_hash[:12]}) but "
                f"`git {' '.join(push_args)}` failed: {(pushed.stderr or pushed.stdout).strip()}"
            )
        out.write(f"Pushed: git {' '.join(push_args)}")
    elif remote_push := push_command(repo=repo):
        shown = shlex.join(["git", "-C", str(repo), *remote_push])
        out.write(f"Not pushed. To publish the revert: {shown}")
    else:
        out.write("Not pushed: this repository has no remote.")
    return revert_hash


def _mainline_check(*, commit, mainline: int | None) -> None:
    """Refuse a merge commit without --mainline, and a --mainline the commit has no parent for."""
    if commit.is_merge and mainline is None:
        raise HotfixError(
            f"The last commit {commit.hash[:12]} is a merge of {len(commit.parents)} parents; "
            "say which parent to keep with --mainline (usually --mainline 1).",
            returncode=2,
        )
    if mainline is not None and not (commit.is_merge and 1 <= mainline <= len(commit.parents)):
        raise HotfixError(
            f"--mainline {mainline} does not fit: the last commit has "
            f"{len(commit.parents)} parent(s).",
            returncode=2,
        )


def _changes_stash(*, repo: Path, commit, out) -> None:
    """Stash the uncommitted changes under a name that says why, and say how to get them back."""
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    stash_name = f"rollback_last {stamp} before reverting {commit.hash[:12]}"
    git_run(repo=repo, args=["stash", "push", "--include-untracked", "-m", stash_name])
    out.write(
        f"Stashed your uncommitted changes as {stash_name!r}.\n"
        f"  Restore them with: git -C {shlex.quote(str(repo))} stash pop\n"
        "  (`git stash list` shows it if you stash anything else meanwhile)."
    )
