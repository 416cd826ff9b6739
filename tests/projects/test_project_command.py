"""`manage.py project`: create projects, add and remove members, list who may see what."""

import io
import re
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from errors.models import ClientKey
from projects.models import Project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run_project(*args) -> tuple[str, str]:
    """Run `manage.py project ARGS`; return what it wrote to stdout and to stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("project", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> CommandError:
    """Run `manage.py project ARGS`, which must refuse; return its CommandError."""
    with pytest.raises(CommandError) as raised:
        run_project(*args)
    return raised.value


def listed() -> dict[str, str]:
    """Return the lines of `project list` by their slug (the first column)."""
    out, _ = run_project("list")
    lines = out.splitlines()
    assert lines[0].split() == ["SLUG", "NAME", "KEYS", "MEMBERS"]
    return {line.split(" ", 1)[0]: line for line in lines[1:]}


def test_project_create__makes_the_project_and_says_how_to_get_a_key():
    out, _ = run_project("create", "storefront", "--name", "  Storefront  ")
    project = Project.objects.get(slug="storefront")
    assert project.name == "Storefront"
    assert "Created the project 'storefront' named 'Storefront'." in out
    assert "manage.py dsn --project storefront" in out


def test_project_create__names_the_project_after_its_slug_by_default():
    run_project("create", "backoffice")
    assert Project.objects.get(slug="backoffice").name == "backoffice"


def test_project_create__an_existing_slug_is_refused_and_the_project_left_alone():
    Project.objects.create(slug="storefront", name="Storefront")
    error = refused("create", "storefront", "--name", "Other")
    assert error.returncode == 1
    assert "There is already a project 'storefront'." in str(error)
    assert Project.objects.get(slug="storefront").name == "Storefront"


@pytest.mark.parametrize(
    "slug",
    ["", "Store Front", "Storefront", "a/b", "shop-", "x" * 51, "shop\x00", "shop\ud800", "é"],
)
def test_project_create__a_slug_that_is_not_one_is_misuse_with_exit_code_2(slug):
    error = refused("create", slug)
    assert error.returncode == 2
    assert "SLUG must be a slug of 1 to 50 lower-case letters" in str(error)
    assert not Project.objects.exclude(slug__in=["default", "self"]).exists()


@pytest.mark.parametrize("name", ["   ", "x" * 101, "a\x00b", "a\ud800b", "red \x1b[31m", "a\nb"])
def test_project_create__a_blank_long_or_hostile_name_is_misuse_with_exit_code_2(name):
    error = refused("create", "storefront", "--name", name)
    assert error.returncode == 2
    assert "--name must be 1 to 100 characters" in str(error)
    assert not Project.objects.filter(slug="storefront").exists()


def test_project_create__a_very_long_slug_is_refused_and_only_its_start_echoed():
    message = str(refused("create", "a" * 100_000))
    assert len(message) < 300
    assert message.endswith("'….")


def test_project_create__a_fifty_character_slug_is_accepted():
    run_project("create", "x" * 50)
    assert Project.objects.filter(slug="x" * 50).exists()


def test_project_add_member__lets_staff_see_the_project():
    project = Project.objects.create(slug="storefront", name="Storefront")
    alice = UserFactory(username="alice", is_staff=True)
    out, err = run_project("add-member", "storefront", "alice")
    assert "Added 'alice' to the members of 'storefront'." in out
    assert err == ""
    assert list(project.members.all()) == [alice]


def test_project_add_member__twice_says_so_and_changes_nothing():
    project = Project.objects.create(slug="storefront", name="Storefront")
    UserFactory(username="alice", is_staff=True)
    run_project("add-member", "storefront", "alice")
    out, _ = run_project("add-member", "storefront", "alice")
    assert "'alice' is already a member of 'storefront': nothing to do." in out
    assert project.members.count() == 1


def test_project_add_member__a_user_who_is_not_staff_is_added_with_a_warning():
    project = Project.objects.create(slug="storefront", name="Storefront")
    UserFactory(username="bob", is_staff=False)
    out, err = run_project("add-member", "storefront", "bob")
    assert "Added 'bob'" in out
    assert "'bob' is not active staff" in err and "is_staff" in err
    assert project.members.filter(username="bob").exists()


def test_project_add_member__a_superuser_is_told_they_see_every_project_anyway():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    Project.objects.create(slug="storefront", name="Storefront")
    out, err = run_project("add-member", "storefront", "root")
    assert "'root' is a superuser and sees every project anyway" in out
    assert err == ""


def test_project_remove_member__takes_the_project_away_and_twice_says_so():
    project = Project.objects.create(slug="storefront", name="Storefront")
    alice = UserFactory(username="alice", is_staff=True)
    project.members.add(alice)
    out, _ = run_project("remove-member", "storefront", "alice")
    assert "Removed 'alice' from the members of 'storefront'." in out
    assert not project.members.exists()
    out, _ = run_project("remove-member", "storefront", "alice")
    assert "'alice' is not a member of 'storefront': nothing to do." in out
    assert alice.projects.count() == 0


@pytest.mark.parametrize("action", ["add-member", "remove-member"])
def test_project_members__an_unknown_project_or_user_is_refused_naming_it(action):
    Project.objects.create(slug="storefront", name="Storefront")
    UserFactory(username="alice", is_staff=True)
    error = refused(action, "nowhere", "alice")
    assert error.returncode == 1
    assert "There is no project 'nowhere'" in str(error)
    error = refused(action, "storefront", "nobody")
    assert error.returncode == 1
    assert "There is no user 'nobody'." in str(error)


@pytest.mark.parametrize("action", ["add-member", "remove-member"])
@pytest.mark.parametrize(
    ("slug", "username", "expected"),
    [
        ("store\x00front", "alice", "SLUG must be a project's slug"),
        ("store\ud800", "alice", "SLUG must be a project's slug"),
        ("s" * 10_000, "alice", "SLUG must be a project's slug"),
        ("storefront", "ali\x00ce", "USERNAME must be 1 to 150 characters"),
        ("storefront", "ali\udcffce", "USERNAME must be 1 to 150 characters"),
        ("storefront", "a" * 10_000, "USERNAME must be 1 to 150 characters"),
        ("storefront", "", "USERNAME must be 1 to 150 characters"),
    ],
)
def test_project_members__hostile_arguments_are_misuse_with_exit_code_2(
    action, slug, username, expected
):
    Project.objects.create(slug="storefront", name="Storefront")
    UserFactory(username="alice", is_staff=True)
    error = refused(action, slug, username)
    assert error.returncode == 2
    assert expected in str(error)
    # The message shows the value escaped, never a raw NUL or surrogate.
    assert "\x00" not in str(error)
    str(error).encode("utf-8")
    assert not Project.objects.get(slug="storefront").members.exists()


def test_project_list__shows_each_project_its_keys_and_its_members():
    storefront = Project.objects.create(slug="storefront", name="Storefront")
    ClientKey.objects.create(project=storefront, name="web")
    ClientKey.objects.create(project=storefront, name="ios")
    storefront.members.add(UserFactory(username="zoe"), UserFactory(username="alice"))
    lines = listed()
    assert set(lines) == {"default", "self", "storefront"}
    assert lines["storefront"].split(None, 3) == ["storefront", "Storefront", "2", "alice, zoe"]
    assert lines["self"].endswith("  0  superusers only")


def test_project_list__cuts_long_names_and_keeps_the_columns_aligned():
    Project.objects.create(slug="storefront", name="N" * 100)
    Project.objects.create(slug="tokyo", name="東京の店" * 20)
    lines = listed()
    assert "N" * 39 + "…  " in lines["storefront"]
    assert "東京の店" * 4 in lines["tokyo"] and "東京の店" * 10 not in lines["tokyo"]
    # Every line's key count ends in the same terminal column (a wide character takes two).
    ends = {
        columns(re.fullmatch(r"(.*\d)  superusers only", line).group(1)) for line in lines.values()
    }
    assert len(ends) == 1


def columns(text: str) -> int:
    """Return how many terminal columns `text` takes."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def test_project_list__escapes_control_characters_in_names_and_usernames():
    project = Project.objects.create(slug="storefront", name="Shop \x1b[2J\r\u202egone")
    project.members.add(UserFactory(username="eve\x1b]0;pwned\x07"))
    out, _ = run_project("list")
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\x07" not in out
    line = listed()["storefront"]
    assert "Shop \\x1b[2J\\r\\u202egone" in line
    assert "eve\\x1b]0;pwned\\x07" in line


def test_project__without_a_subcommand_is_refused():
    with pytest.raises(CommandError, match="create,add-member,remove-member,list"):
        run_project()
