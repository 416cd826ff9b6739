"""manage.py rollback_last against real temporary git repositories and a local bare remote."""

from tests.hotfix.conftest import git, run, status


def commit_change(repo, name="app.py", text="print('broken')\n", subject="Break the app"):
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", subject)
    return git(repo, "rev-parse", "HEAD")


def test_rollback_last__shows_the_commit_and_reverts_it_with_a_new_commit(repo):
    bad = commit_change(repo)
    code, output = run("rollback_last", "--repo", str(repo), "--yes")
    assert code == 0, output
    assert f"Last commit: {bad}" in output
    assert "Author:  Ada Operator <ada@example.com>" in output
    assert "Subject: Break the app" in output
    assert "Files changed (1):" in output and "M app.py" in output
    assert (repo / "app.py").read_text() == "print('hello')\n"
    assert git(repo, "rev-parse", "HEAD~1") == bad
    assert git(repo, "log", "-1", "--format=%s") == 'Revert "Break the app"'
    assert len(git(repo, "log", "--format=%H").splitlines()) == 3
    assert status(repo) == ""
    assert "Not pushed: this repository has no remote." in output


def test_rollback_last__stashes_local_changes_by_name_and_says_how_to_restore(repo):
    bad = commit_change(repo)
    (repo / "VERSION").write_text("0.15.0-dev\n")
    (repo / "scratch.txt").write_text("notes\n")
    code, output = run("rollback_last", "--repo", str(repo), "--yes")
    assert code == 0, output
    assert f"before reverting {bad[:12]}" in output
    assert "stash pop" in output
    assert git(repo, "log", "-1", "--format=%s") == 'Revert "Break the app"'
    assert status(repo) == ""
    stashes = git(repo, "stash", "list")
    assert "rollback_last" in stashes and bad[:12] in stashes
    git(repo, "stash", "pop")
    assert (repo / "VERSION").read_text() == "0.15.0-dev\n"
    assert (repo / "scratch.txt").read_text() == "notes\n"
    assert (repo / "app.py").read_text() == "print('hello')\n"


def test_rollback_last__without_local_changes_makes_no_stash(repo):
    commit_change(repo)
    code, output = run("rollback_last", "--repo", str(repo), "--yes")
    assert code == 0, output
    assert "Stashed" not in output
    assert git(repo, "stash", "list") == ""


def test_rollback_last__answering_no_changes_nothing(repo):
    bad = commit_change(repo)
    (repo / "scratch.txt").write_text("notes\n")
    before = status(repo)
    code, output = run("rollback_last", "--repo", str(repo), answer="no\n")
    assert code == 1
    assert "Subject: Break the app" in output
    assert "cancelled; nothing was changed" in output
    assert git(repo, "rev-parse", "HEAD") == bad
    assert status(repo) == before
    assert git(repo, "stash", "list") == ""


def test_rollback_last__no_answer_at_all_counts_as_no(repo):
    bad = commit_change(repo)
    code, _ = run("rollback_last", "--repo", str(repo))
    assert code == 1
    assert git(repo, "rev-parse", "HEAD") == bad


def test_rollback_last__answering_yes_at_the_prompt_reverts(repo):
    bad = commit_change(repo)
    code, output = run("rollback_last", "--repo", str(repo), answer="y\n")
    assert code == 0, output
    assert git(repo, "rev-parse", "HEAD~1") == bad


def test_rollback_last__push_sends_the_revert_to_the_bare_remote(repo, remote):
    commit_change(repo)
    git(repo, "push", "-q", "origin", "main")
    code, output = run("rollback_last", "--repo", str(repo), "--yes", "--push")
    assert code == 0, output
    assert "Pushed: git push origin HEAD:main" in output
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
    assert git(remote, "log", "-1", "--format=%s", "main") == 'Revert "Break the app"'


def test_rollback_last__without_push_leaves_the_remote_alone(repo, remote):
    commit_change(repo)
    git(repo, "push", "-q", "origin", "main")
    pushed = git(remote, "rev-parse", "main")
    code, output = run("rollback_last", "--repo", str(repo), "--yes")
    assert code == 0, output
    assert git(remote, "rev-parse", "main") == pushed
    assert f"git -C {repo} push origin HEAD:main" in output


def test_rollback_last__push_without_a_remote_is_refused_before_anything_changes(repo):
    bad = commit_change(repo)
    code, output = run("rollback_last", "--repo", str(repo), "--yes", "--push")
    assert code == 2
    assert "has none" in output
    assert git(repo, "rev-parse", "HEAD") == bad


def test_rollback_last__refuses_an_empty_repository(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    code, output = run("rollback_last", "--repo", str(empty), "--yes")
    assert code == 1
    assert "has no commits; there is nothing to roll back" in output


def test_rollback_last__merge_commit_needs_mainline(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    commit_change(repo, name="feature.py", text="x = 1\n", subject="Add feature")
    git(repo, "checkout", "-q", "main")
    commit_change(repo, name="other.py", text="y = 2\n", subject="Other work")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = git(repo, "rev-parse", "HEAD")

    code, output = run("rollback_last", "--repo", str(repo), "--yes")
    assert code == 2
    assert "is a merge of 2 parents" in output and "--mainline" in output
    assert git(repo, "rev-parse", "HEAD") == merge

    code, output = run("rollback_last", "--repo", str(repo), "--yes", "--mainline", "3")
    assert code == 2
    assert git(repo, "rev-parse", "HEAD") == merge

    code, output = run("rollback_last", "--repo", str(repo), "--yes", "--mainline", "1")
    assert code == 0, output
    assert not (repo / "feature.py").exists()
    assert (repo / "other.py").exists()
    assert git(repo, "rev-parse", "HEAD~1") == merge


def test_rollback_last__mainline_on_an_ordinary_commit_is_misuse(repo):
    commit_change(repo)
    code, output = run("rollback_last", "--repo", str(repo), "--yes", "--mainline", "1")
    assert code == 2
    assert "1 parent(s)" in output
