"""Error groups and the keys Sentry SDKs use to send them."""

import uuid

from django.db import models
from django.utils import timezone


def public_key_new() -> str:
    """Return a fresh random public key: 32 hexadecimal digits, as Sentry DSNs carry."""
    return uuid.uuid4().hex


class ClientKey(models.Model):
    """A key Sentry SDKs put in their DSN to send errors here; its ID is the DSN's project."""

    name = models.CharField(max_length=100, help_text="Which application uses this key.")
    public_key = models.CharField(max_length=32, default=public_key_new, editable=False)
    active = models.BooleanField(default=True, help_text="Inactive keys are refused with 403.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name"], name="errors_clientkey_name_unique"),
            # Its index serves the key lookup of every Sentry request.
            models.UniqueConstraint(
                fields=["public_key"], name="errors_clientkey_public_key_unique"
            ),
        ]
        ordering = ["name"]

    def __str__(self):
        return self.name
