"""Print the Sentry DSN of a client key, creating the key if needed."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from errors.models import ClientKey
from errors.sentry.selectors import client_key_dsn
from errors.sentry.services import client_key_get_or_create


class Command(BaseCommand):
    help = (
        "Print the Sentry DSN for the client key NAME (default 'default'), creating it if needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", default="default", help="The key's name, e.g. the app's.")

    def handle(self, *args, name: str, **options):
        name = name.strip()
        max_length = ClientKey._meta.get_field("name").max_length
        if not name or len(name) > max_length:
            raise CommandError(f"--name must be 1 to {max_length} characters.", returncode=2)
        client_key, created = client_key_get_or_create(name=name)
        if created:
            self.stderr.write(f"Created the client key {client_key.name!r}.")
        if not client_key.active:
            self.stderr.write(
                self.style.WARNING(f"The key {client_key.name!r} is inactive: it is refused.")
            )
        base_url = settings.SENTRY_INGEST["PUBLIC_URL"] or (
            f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        )
        self.stdout.write(client_key_dsn(client_key=client_key, base_url=base_url))
