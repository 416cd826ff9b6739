"""Create projects, add and remove their members, and list projects and who may see them."""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import slug_re
from django.utils.text import slugify

from common.api import ApiError
from common.validation import is_plain_text, is_storable
from projects.models import Project
from projects.selectors import project_find, project_list, user_find
from projects.services import project_create, project_member_add, project_member_remove

# Exit codes a cron job can trust: 1 when the database refuses what was asked (a slug taken, a
# project or user that does not exist), 2 when the arguments themselves are malformed.
REFUSED = 1
MISUSE = 2

# How much of a value an error message echoes, and how wide the table's name column may grow.
SHOWN_LENGTH = 60
NAME_COLUMN_WIDTH = 40
NO_MEMBERS = "superusers only"


class Command(BaseCommand):
    help = "Create projects, add or remove their members, and list projects and who may see them."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{create,add-member,remove-member,list}"
        )
        create = subcommands.add_parser(
            "create",
            help="Create the project SLUG.",
            description=(
                "Create the project SLUG (1 to 50 lower-case letters, digits, hyphens or "
                "underscores); `manage.py dsn --project SLUG` then prints a client key's DSN."
            ),
        )
        create.add_argument("slug", help="Its name in URLs and ?project=, e.g. storefront.")
        create.add_argument("--name", help="Its display name (default: the slug).")
        for action, does in (
            ("add-member", "Let the staff user USERNAME see the project SLUG."),
            ("remove-member", "Stop the user USERNAME from seeing the project SLUG."),
        ):
            member = subcommands.add_parser(
                action,
                help=does,
                description=(
                    f"{does} Superusers see every project whether or not they are members. A "
                    "user who is not active staff is added all the same, with a warning: they "
                    "see nothing until they are given is_staff. Running it twice changes "
                    "nothing and says so."
                ),
            )
            member.add_argument("slug", help="The project's slug (see `project list`).")
            member.add_argument("username", help="The user's username.")
        subcommands.add_parser(
            "list",
            help="List the projects, their client keys and their members.",
            description=(
                "List every project: slug, name, number of client keys and members "
                f"({NO_MEMBERS!r} when it has none: only superusers see it)."
            ),
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "create":
            self.create_project(slug=options["slug"], name=options["name"])
        elif subcommand == "list":
            self.list_projects()
        else:
            project = self.project_named(options["slug"])
            user = self.user_named(options["username"])
            if subcommand == "add-member":
                self.add_member(project=project, user=user)
            else:
                self.remove_member(project=project, user=user)

    def create_project(self, *, slug: str, name: str | None):
        slug_length = Project._meta.get_field("slug").max_length
        if not slug or slugify(slug) != slug or len(slug) > slug_length:
            raise CommandError(
                f"SLUG must be a slug of 1 to {slug_length} lower-case letters, digits, "
                f"hyphens or underscores, e.g. storefront; not {shown(slug)}.",
                returncode=MISUSE,
            )
        name_length = Project._meta.get_field("name").max_length
        name = slug if name is None else name.strip()
        if not name or len(name) > name_length or not is_plain_text(name):
            raise CommandError(
                f"--name must be 1 to {name_length} characters, without control characters, "
                "NUL bytes or unpaired surrogates.",
                returncode=MISUSE,
            )
        try:
            project = project_create(slug=slug, name=name)
        except ApiError as error:
            raise CommandError(
                f"{error.message} `manage.py project list` shows the projects.",
                returncode=REFUSED,
            ) from None
        self.stdout.write(f"Created the project {shown(project.slug)} named {shown(project.name)}.")
        self.stdout.write(
            f"For a client key and its DSN: manage.py dsn --project {project.slug}\n"
            f"To let a staff user see it: manage.py project add-member {project.slug} USERNAME"
        )

    def add_member(self, *, project: Project, user):
        username = user.get_username()
        if not project_member_add(project=project, user=user):
            self.stdout.write(
                f"{shown(username)} is already a member of {shown(project.slug)}: nothing to do."
            )
        else:
            self.stdout.write(f"Added {shown(username)} to the members of {shown(project.slug)}.")
        if user.is_superuser:
            self.stdout.write(
                f"{shown(username)} is a superuser and sees every project anyway; membership "
                "matters only if that is taken away."
            )
        if not (user.is_staff and user.is_active):
            self.stderr.write(
                self.style.WARNING(
                    f"{shown(username)} is not active staff: they see nothing until they have "
                    "is_active and is_staff (Admin → Users, or `manage.py shell`)."
                )
            )

    def remove_member(self, *, project: Project, user):
        username = user.get_username()
        if not project_member_remove(project=project, user=user):
            self.stdout.write(
                f"{shown(username)} is not a member of {shown(project.slug)}: nothing to do."
            )
        else:
            self.stdout.write(
                f"Removed {shown(username)} from the members of {shown(project.slug)}."
            )
        if user.is_superuser:
            self.stdout.write(f"{shown(username)} is a superuser and still sees every project.")

    def list_projects(self):
        rows = [
            (
                terminal_safe(project.slug),
                truncated(project.name, NAME_COLUMN_WIDTH),
                str(project.client_key_count),
                ", ".join(terminal_safe(user.get_username()) for user in project.members.all())
                or NO_MEMBERS,
            )
            for project in project_list()
        ]
        if not rows:
            self.stdout.write("No projects: `manage.py project create SLUG` makes one.")
            return
        table = [("SLUG", "NAME", "KEYS", "MEMBERS"), *rows]
        widths = [max(display_width(row[column]) for row in table) for column in (0, 1, 2)]
        for slug, name, keys, members in table:
            self.stdout.write(
                f"{padded(slug, widths[0])}  {padded(name, widths[1])}  "
                f"{' ' * (widths[2] - len(keys))}{keys}  {members}"
            )

    def project_named(self, slug: str) -> Project:
        slug_length = Project._meta.get_field("slug").max_length
        if not slug_re.fullmatch(slug) or len(slug) > slug_length:
            raise CommandError(
                f"SLUG must be a project's slug (up to {slug_length} letters, digits, hyphens "
                f"or underscores), not {shown(slug)}; `manage.py project list` shows them.",
                returncode=MISUSE,
            )
        project = project_find(slug=slug)
        if project is None:
            raise CommandError(
                f"There is no project {shown(slug)}; `manage.py project list` shows them.",
                returncode=REFUSED,
            )
        return project

    def user_named(self, username: str):
        user_model = get_user_model()
        username_length = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length
        # Neither database can look up a NUL byte or an unpaired surrogate: refuse them first.
        if not username or len(username) > username_length or not is_storable(username):
            raise CommandError(
                f"USERNAME must be 1 to {username_length} characters, without NUL bytes or "
                f"unpaired surrogates; not {shown(username)}.",
                returncode=MISUSE,
            )
        user = user_find(username=username)
        if user is None:
            raise CommandError(f"There is no user {shown(username)}.", returncode=REFUSED)
        return user


def escaped(character: str) -> str:
    """Return `character`, or its escape (e.g. \\x1b) when a terminal would act on it or cannot
    print it: control and format characters, line breaks, unpaired surrogates."""
    return character if character.isprintable() else character.encode("unicode_escape").decode()


def terminal_safe(text: str) -> str:
    """Return `text` with every character a terminal would act on or cannot print escaped."""
    return "".join(escaped(character) for character in text)


def shown(text: str) -> str:
    """Return `text` quoted for a message: terminal-safe, and cut short when long."""
    cut = text[:SHOWN_LENGTH]
    return repr(cut) + ("…" if len(text) > SHOWN_LENGTH else "")


def character_width(character: str) -> int:
    """Return how many terminal columns `character` takes: 2 for wide East Asian characters,
    0 for combining marks, else 1."""
    if unicodedata.combining(character):
        return 0
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Return how many terminal columns `text` takes."""
    return sum(character_width(character) for character in text)


def truncated(text: str, width: int) -> str:
    """Return `text` terminal-safe and cut to at most `width` columns, ending in … when cut
    (an escape is kept whole or dropped, never cut in half)."""
    pieces = [escaped(character) for character in text]
    if sum(display_width(piece) for piece in pieces) <= width:
        return "".join(pieces)
    kept, used = [], 0
    for piece in pieces:
        used += display_width(piece)
        if used > width - 1:
            break
        kept.append(piece)
    return "".join(kept) + "…"


def padded(text: str, width: int) -> str:
    """Return `text` followed by spaces up to `width` columns."""
    return text + " " * (width - display_width(text))
