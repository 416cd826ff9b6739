"""Where a Sentry SDK puts its public key: X-Sentry-Auth, ?sentry_key= or the envelope's dsn."""

import re
from urllib.parse import urlsplit

_AUTH_PAIR = re.compile(r"(sentry_[a-z_]+)\s*=\s*([^,\s]*)")
_PUBLIC_KEY = re.compile(r"[0-9a-fA-F]{32}")


def auth_header_parse(value: str) -> dict[str, str]:
    """Return the `sentry_*` pairs of an X-Sentry-Auth (or `Authorization: Sentry …`) value."""
    if not value:
        return {}
    text = value.strip()
    if text[:7].lower() == "sentry ":
        text = text[7:]
    return dict(_AUTH_PAIR.findall(text))


def dsn_parse(dsn: str) -> tuple[str, str] | None:
    """Return (public key, project id) of a DSN `scheme://key@host[:port]/[path/]project`."""
    if not isinstance(dsn, str) or not dsn:
        return None
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return None
    if not parts.username:
        return None
    return parts.username, parts.path.rstrip("/").rsplit("/", 1)[-1]


def public_key_find(*, auth_header: str, query_key: str, envelope_dsn: str = "") -> str:
    """Return the public key the client sent, looking where SDKs put it; '' when none."""
    candidates = (
        auth_header_parse(auth_header).get("sentry_key", ""),
        query_key or "",
        (dsn_parse(envelope_dsn) or ("", ""))[0],
    )
    return next((key for key in candidates if key), "")


def public_key_is_well_formed(key: str) -> bool:
    """Return whether `key` has the shape of a public key (32 hexadecimal digits)."""
    return bool(_PUBLIC_KEY.fullmatch(key))
