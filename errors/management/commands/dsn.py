"""Print the Sentry DSN of a project's client key, creating the project and the key if needed."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from common.validation import is_plain_text
from errors.models import ClientKey
from errors.sentry.selectors import client_key_dsn
from errors.sentry.services import client_key_get_or_create
from projects.models import DEFAULT_SLUG, Project
from projects.services import project_get_or_create


class Command(BaseCommand):
    help = (
        "Print the Sentry DSN of the client key NAME (default 'default') of the project SLUG "
        "(default 'default'), creating the project and the key if needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default=DEFAULT_SLUG, help="The project's slug.")
        parser.add_argument("--name", default="default", help="The key's name, e.g. the app's.")

    def handle(self, *args, project: str, name: str, **options):
        name, slug = name.strip(), project.strip()
        max_length = ClientKey._meta.get_field("name").max_length
        if not name or len(name) > max_length or not is_plain_text(name):
            raise CommandError(
                f"--name must be 1 to {max_length} characters, without control characters, "
                "NUL bytes or unpaired surrogates.",
                returncode=2,
            )
        slug_length = Project._meta.get_field("slug").max_length
        if not slug or slugify(slug) != slug or len(slug) > slug_length:
            raise CommandError(
                f"--project must be a slug of 1 to {slug_length} lower-case letters, digits, "
                "hyphens or underscores, e.g. storefront.",
                returncode=2,
            )
        found, project_created = project_get_or_create(slug=slug)
        if project_created:
            self.stderr.write(f"Created the project {found.slug!r}.")
        client_key, created = client_key_get_or_create(name=name, project=found)
        if created:
            self.stderr.write(f"Created the client key {client_key.name!r} of {found.slug!r}.")
        if not client_key.active:
            self.stderr.write(
                self.style.WARNING(f"The key {client_key.name!r} is inactive: it is refused.")
            )
        base_url = settings.SENTRY_INGEST["PUBLIC_URL"] or (
            f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        )
        self.stdout.write(client_key_dsn(client_key=client_key, base_url=base_url))
