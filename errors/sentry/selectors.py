"""Reads of Sentry ingestion: client keys and the DSN that names them."""

from urllib.parse import urlsplit

from errors.models import ClientKey


def client_key_find(*, public_key: str) -> ClientKey | None:
    """Return the client key with `public_key`, active or not; None when there is none."""
    return ClientKey.objects.filter(public_key=public_key).first()


def client_key_dsn(*, client_key: ClientKey, base_url: str) -> str:
    """Return the DSN of `client_key` for a service reached at `base_url` (scheme://host[:port]):
    its project's ID is the DSN's project."""
    parts = urlsplit(base_url.rstrip("/"))
    key, project = client_key.public_key, client_key.project_id
    return f"{parts.scheme}://{key}@{parts.netloc}{parts.path}/{project}"
