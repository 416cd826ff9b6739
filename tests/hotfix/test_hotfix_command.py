"""manage.py hotfix against real temporary git repositories."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotfix.git import HotfixError
from hotfix.services import changelog_entry_insert, version_next
from tests.hotfix.conftest import CHANGELOG, git, run, status

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("0.14.0", "0.14.0q1"),
        ("0.14.0q1", "0.14.0q2"),
        ("0.14.0q9", "0.14.0q10"),
        ("1.2.3\n", "1.2.3q1"),
        ("0.14.0q", "0.14.0q1"),
    ],
)
def test_version_next__adds_or_increments_the_q_suffix(current, expected):
    assert version_next(version=current) == expected


@pytest.mark.parametrize("current", ["", "v0.14.0", "0.14", "0.14.0-rc1", "0.14.0q1q2"])
def test_version_next__refuses_what_is_not_a_version(current):
    with pytest.raises(HotfixError, match="not a release"):
        version_next(version=current)


def test_changelog_entry_insert__goes_above_the_newest_release_below_unreleased():
    text = changelog_entry_insert(
        text=CHANGELOG, version="0.14.0q1", day=datetime.date(2025, 10, 23), message="Fix login"
    )
    assert text.index("## [Unreleased]") < text.index("## [0.14.0q1] - 2025-10-23")
    assert text.index("## [0.14.0q1]") < text.index("## [0.14.0] - 2025-10-22")
    assert "### Fixed\n- Hotfix: Fix login\n" in text
    assert text.replace("## [0.14.0q1] - 2025-10-23\n\n### Fixed\n- Hotfix: Fix login\n\n", "") == (
        CHANGELOG
    )


def test_changelog_entry_insert__without_releases_appends_and_without_a_file_creates():
    only_unreleased = "# Changelog\n\n## [Unreleased]\n\n### Added\n- x\n"
    text = changelog_entry_insert(
        text=only_unreleased, version="0.1.0q1", day=datetime.date(2025, 1, 2), message="m"
    )
    assert text.startswith(only_unreleased)
    assert text.endswith("## [0.1.0q1] - 2025-01-02\n\n### Fixed\n- Hotfix: m\n")
    assert changelog_entry_insert(
        text="", version="0.1.0q1", day=datetime.date(2025, 1, 2), message="m"
    ).startswith("# Changelog\n\n## [0.1.0q1] - 2025-01-02")


def test_hotfix__happy_path_runs_every_step_in_order_and_commits(repo, fast_steps):
    head_before = git(repo, "rev-parse", "HEAD")
    code, output = run("hotfix", "Fix critical auth bug", "--repo", str(repo), "--yes")
    assert code == 0, output
    assert (repo / "VERSION").read_text() == "0.14.0q1\n"
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    changelog = (repo / "CHANGELOG.md").read_text()
    assert f"## [0.14.0q1] - {today}\n\n### Fixed\n- Hotfix: Fix critical auth bug\n" in changelog
    assert git(repo, "log", "-1", "--format=%s") == "hotfix: 0.14.0q1 — Fix critical auth bug"
    assert git(repo, "rev-parse", "HEAD~1") == head_before
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "CHANGELOG.md",
        "VERSION",
    ]
    assert status(repo) == ""
    assert fast_steps.log.read_text() == "lint\nbuild\ntest\n"
    steps = [f"[{n}/8]" for n in range(1, 9)]
    positions = [output.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "ok in " in output
    assert "Ready to push 0.14.0q1" in output
    assert "push <remote>" in output


def test_hotfix__versions_bump_in_sequence_with_one_changelog_entry_each(repo, fast_steps):
    for message in ("First fix", "Second fix", "Third fix"):
        code, output = run("hotfix", message, "--repo", str(repo), "--yes")
        assert code == 0, output
    assert (repo / "VERSION").read_text() == "0.14.0q3\n"
    subjects = git(repo, "log", "--format=%s").splitlines()
    assert subjects[:3] == [
        "hotfix: 0.14.0q3 — Third fix",
        "hotfix: 0.14.0q2 — Second fix",
        "hotfix: 0.14.0q1 — First fix",
    ]
    changelog = (repo / "CHANGELOG.md").read_text()
    headings = [line for line in changelog.splitlines() if line.startswith("## [")]
    assert [h.split(" - ")[0] for h in headings] == [
        "## [Unreleased]",
        "## [0.14.0q3]",
        "## [0.14.0q2]",
        "## [0.14.0q1]",
        "## [0.14.0]",
    ]


def test_hotfix__refuses_a_dirty_tree_and_changes_nothing(repo, fast_steps):
    (repo / "app.py").write_text("print('half done')\n")
    (repo / "notes.txt").write_text("scratch\n")
    before = status(repo)
    code, output = run("hotfix", "Fix", "--repo", str(repo), "--yes")
    assert code == 1
    assert "uncommitted changes" in output
    assert "app.py" in output and "notes.txt" in output
    assert status(repo) == before
    assert (repo / "VERSION").read_text() == "0.14.0\n"
    assert (repo / "CHANGELOG.md").read_text() == CHANGELOG
    assert not fast_steps.log.exists()


@pytest.mark.parametrize("step", ["LINT", "BUILD", "TEST"])
def test_hotfix__a_failing_step_stops_and_restores_the_tree(repo, fast_steps, step):
    fast_steps(step, text="E501 line too long")
    head_before = git(repo, "rev-parse", "HEAD")
    code, output = run("hotfix", "Fix", "--repo", str(repo), "--yes")
    assert code == 1
    assert "failed" in output and "exited with 3" in output
    assert "E501 line too long" in output
    assert "Restored VERSION and CHANGELOG.md" in output
    assert "Ready to push" not in output
    assert status(repo) == ""
    assert (repo / "VERSION").read_text() == "0.14.0\n"
    assert (repo / "CHANGELOG.md").read_text() == CHANGELOG
    assert git(repo, "rev-parse", "HEAD") == head_before
    later_steps = {"LINT": "build", "BUILD": "test", "TEST": None}[step]
    if later_steps:
        assert later_steps not in (fast_steps.log.read_text() if fast_steps.log.exists() else "")


def test_hotfix__a_missing_step_program_fails_clearly_and_restores(repo, settings):
    settings.HOTFIX = {"LINT": [["no-such-linter-anywhere", "."]], "BUILD": [], "TEST": []}
    code, output = run("hotfix", "Fix", "--repo", str(repo), "--yes")
    assert code == 1
    assert "could not start `no-such-linter-anywhere .`" in output
    assert status(repo) == ""


def test_hotfix__answering_no_changes_nothing(repo, fast_steps):
    code, output = run("hotfix", "Fix", "--repo", str(repo), answer="n\n")
    assert code == 1
    assert "0.14.0 → 0.14.0q1" in output
    assert "cancelled" in output
    assert (repo / "VERSION").read_text() == "0.14.0\n"
    assert status(repo) == ""
    assert not fast_steps.log.exists()


def test_hotfix__answering_yes_at_the_prompt_releases(repo, fast_steps):
    code, output = run("hotfix", "Fix", "--repo", str(repo), answer="y\n")
    assert code == 0, output
    assert (repo / "VERSION").read_text() == "0.14.0q1\n"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("not-a-folder", "is not a folder"),
        ("plain-folder", "is not inside a git repository"),
        ("empty-message", "Give the hotfix a message"),
    ],
)
def test_hotfix__misuse_exits_2_with_a_sentence(tmp_path, repo, fast_steps, setup, expected):
    target = {"not-a-folder": tmp_path / "missing", "plain-folder": tmp_path / "plain"}.get(
        setup, repo
    )
    if setup == "plain-folder":
        target.mkdir()
    message = "   " if setup == "empty-message" else "Fix"
    code, output = run("hotfix", message, "--repo", str(target), "--yes")
    assert code == 2
    assert expected in output


def test_hotfix__prints_the_push_command_for_the_upstream(repo, remote, fast_steps):
    code, output = run("hotfix", "Fix", "--repo", str(repo), "--yes")
    assert code == 0, output
    assert f"git -C {repo} push origin HEAD:main" in output
    assert git(remote, "rev-parse", "main") != git(repo, "rev-parse", "HEAD")


def test_hotfix_command__exit_code_reaches_the_shell(repo, tmp_path):
    (repo / "app.py").write_text("dirty\n")
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ENVIRONMENT"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "hotfix", "Fix", "--repo", str(repo), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "uncommitted changes" in result.stderr
