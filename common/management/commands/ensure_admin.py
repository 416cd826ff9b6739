"""Create the staff user `admin` on first run (used by `make run`)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the superuser 'admin' if it does not exist; print a generated password once."

    def handle(self, *args, **options):
        user_model = get_user_model()
        if user_model.objects.filter(username="admin").exists():
            self.stdout.write("Admin login: admin (the password was set on first run).")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "", password)
        if os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
            self.stdout.write("Admin login: admin (password from DJANGO_SUPERUSER_PASSWORD).")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Admin login: admin / {password}  (generated now and shown only once; "
                    "change it with `manage.py changepassword admin`)."
                )
            )
