"""Reads of Sentry ingestion: client keys and the DSN that names them."""

from urllib.parse import urlsplit

from errors.models import ClientKey


def client_key_find(*, public_key: str) -> ClientKey | None:
    """Return the client key with `public_key`, active or not; None when there is none."""
    return ClientKey.objects.filter(public_key=public_key).first()


def client_key_dsn(*, client_key: ClientKey, base_url: str) -> str:
    """Return the DSN of `client_key` for a service reached at `base_url` (scheme://host[:port])."""
    parts = urlsplit(base_url.rstrip("/"))
    return f"{parts.scheme}://{client_key.public_key}@{parts.netloc}{parts.path}/{client_key.pk}"
