"""Real temporary git repositories for the hotfix and rollback tests, and fast pipeline steps."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

CHANGELOG = """# Changelog

## [Unreleased]

### Added
- Something new.

## [0.14.0] - 2025-10-22

### Added
- The first release.
"""


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` and return its output; fail the test if git fails."""
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain")


@pytest.fixture(autouse=True)
def git_identity(tmp_path, monkeypatch):
    """Give git a known identity and no user or system configuration."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Ada Operator")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ada@example.com")


@pytest.fixture
def repo(tmp_path) -> Path:
    """Return a repository on `main` with VERSION 0.14.0, a CHANGELOG and one commit."""
    path = tmp_path / "project"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "VERSION").write_text("0.14.0\n")
    (path / "CHANGELOG.md").write_text(CHANGELOG)
    (path / "app.py").write_text("print('hello')\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "Initial release")
    return path


@pytest.fixture
def remote(tmp_path, repo) -> Path:
    """Return a bare repository that `repo` tracks as origin/main."""
    path = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(path))
    git(repo, "remote", "add", "origin", str(path))
    git(repo, "push", "-q", "-u", "origin", "main")
    return path


@pytest.fixture
def fast_steps(settings, tmp_path):
    """Point the pipeline at instant commands; return a function to make one step fail."""
    log = tmp_path / "steps.log"
    settings.HOTFIX = {
        "LINT": [[sys.executable, "-c", f"open({str(log)!r}, 'a').write('lint\\n')"]],
        "BUILD": [["true"], [sys.executable, "-c", f"open({str(log)!r}, 'a').write('build\\n')"]],
        "TEST": [[sys.executable, "-c", f"open({str(log)!r}, 'a').write('test\\n')"]],
    }

    def fail(step: str, text: str = "3 failed, 12 passed"):
        settings.HOTFIX = {
            **settings.HOTFIX,
            step: [["sh", "-c", f"echo '{text}'; exit 3"]],
        }

    fail.log = log
    return fail


def run(command: str, *args: str, answer: str | None = None) -> tuple[int, str]:
    """Call a management command; return its exit code and everything it printed."""
    out = io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO(answer or "")
    try:
        call_command(command, *args, stdout=out, stderr=out)
        code = 0
    except CommandError as error:
        out.write(str(error))
        code = error.returncode
    finally:
        sys.stdin = stdin
    return code, out.getvalue()
