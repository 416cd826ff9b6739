"""Privacy scrubbing applied before anything is stored (seed: "Privacy & Security").

One module for every app: telemetry, errors and feedback call these functions on what clients
send, so the rules below are the whole truth of what is removed (the README repeats them).

- URLs keep scheme, host and path; the query string and fragment are dropped; path segments
  that look like identifiers (numbers, UUIDs, long hex, cuid or ulid tokens, e-mail
  addresses) become `[id]`.
- Mapping keys that name secrets or personal data have their value replaced by `[Filtered]`,
  case-insensitively, at any depth.
- Inside free text, e-mail addresses become `[email]`, bearer/basic credentials and JWTs become
  `[Filtered]`, `key=value` pairs whose key names a secret keep the key and lose the value, and
  card-like numbers (13–19 digits passing the Luhn check) become `[card]`.
"""

import hashlib
import hmac
import json
import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from django.conf import settings

FILTERED = "[Filtered]"
ID_PLACEHOLDER = "[id]"

# Normalised (lower-case, letters and digits only) key fragments that mark a secret or PII.
_SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "cookie",
    "creditcard",
    "cardnumber",
    "ccnumber",
    "cvv",
    "cvc",
    "socialsecurity",
    "email",
    "phone",
    "iban",
    "signature",
    "csrf",
)
# Short names matched only as the whole key, so "classname" or "author" stay visible.
_SENSITIVE_KEYS_EXACT = {"pwd", "pin", "ssn", "auth", "jwt", "sessionkey", "mobile", "card"}

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/\-]+=*", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")
_SECRET_PAIR = re.compile(
    r"\b([A-Za-z_\-]*(?:password|passwd|secret|token|api[_\-]?key|access[_\-]?key|auth)"
    r"[A-Za-z_\-]*)(\s*[=:]\s*)(?!(?:Bearer|Basic|Token)\s|\[Filtered\])"
    r"(\"[^\"]*\"|'[^']*'|[^\s&,;\"']+)",
    re.IGNORECASE,
)
_CARD = re.compile(r"(?<!\d)(?:\d[ \-]?){12,18}\d(?!\d)")

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_NUMBER = re.compile(r"^\d+$")
_LONG_HEX = re.compile(r"^(?:0x)?[0-9a-fA-F]{12,}$")
# cuid, cuid2, ulid, nanoid, Mongo ids: long runs of letters and digits containing a digit.
_TOKEN = re.compile(r"^(?=[A-Za-z_\-]*\d)[A-Za-z0-9_\-]{16,}$")
_SLUG_WORDS = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+$")

MAX_TEXT_LENGTH = 2000
MAX_METADATA_DEPTH = 6
MAX_METADATA_KEYS = 100


# Metadata keys repeat from event to event; the answer for a key never changes.
@lru_cache(maxsize=4096)
def is_sensitive_key(key: str) -> bool:
    """Return whether a mapping key names a secret or personal data."""
    normalised = re.sub(r"[^a-z0-9]", "", str(key).lower())
    if normalised in _SENSITIVE_KEYS_EXACT:
        return True
    return any(part in normalised for part in _SENSITIVE_KEY_PARTS)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and _luhn_valid(digits) else match.group(0)


def scrub_text(text: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Return `text` with e-mails, credentials, secret pairs and card numbers masked, cut to
    `max_length` characters."""
    if not text:
        return text
    text = text[: max_length * 2]
    text = _JWT.sub(FILTERED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {FILTERED}", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{FILTERED}", text)
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_mask_card, text)
    return text[:max_length]


def is_identifier_segment(segment: str) -> bool:
    """Return whether a URL path segment looks like an identifier rather than a route word."""
    value = unquote(segment)
    if not value:
        return False
    if _NUMBER.match(value) or _UUID.match(value) or _EMAIL.fullmatch(value):
        return True
    if _LONG_HEX.match(value) and any(c.isdigit() for c in value):
        return True
    return bool(_TOKEN.match(value)) and not _SLUG_WORDS.match(value)


def scrub_url(url: str, *, max_length: int = 512) -> str:
    """Return `url` without query string or fragment and with identifier segments as `[id]`."""
    if not url:
        return url
    parts = urlsplit(url.strip()[:4096])
    segments = [ID_PLACEHOLDER if is_identifier_segment(s) else s for s in parts.path.split("/")]
    path = scrub_text("/".join(segments), max_length=max_length)
    origin = f"{parts.scheme}://{parts.hostname or ''}" if parts.scheme and parts.netloc else ""
    if origin and parts.port:
        origin += f":{parts.port}"
    return (origin + path)[:max_length]


def scrub_data(value, *, depth: int = 0):
    """Return a copy of a JSON value with sensitive keys filtered and strings scrubbed.

    Deeper than MAX_METADATA_DEPTH levels, or past MAX_METADATA_KEYS keys per object, the
    rest is dropped and marked, so a hostile payload cannot grow what is stored.
    """
    if isinstance(value, dict):
        if depth >= MAX_METADATA_DEPTH:
            return FILTERED
        result = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_METADATA_KEYS:
                result["_truncated"] = True
                break
            key = str(key).replace("\x00", "")[:100]
            result[key] = FILTERED if is_sensitive_key(key) else scrub_data(item, depth=depth + 1)
        return result
    if isinstance(value, list):
        if depth >= MAX_METADATA_DEPTH:
            return FILTERED
        return [scrub_data(item, depth=depth + 1) for item in value[:MAX_METADATA_KEYS]]
    if isinstance(value, str):
        # PostgreSQL's jsonb cannot hold U+0000; a client sending one must not get a 500.
        value = value.replace("\x00", "")
        if len(value) <= 200:
            return _scrub_short_text(value)
        return scrub_text(value, max_length=1000)
    return value


# Short metadata values ("en-US", "/home") repeat from event to event: scrub each once.
@lru_cache(maxsize=4096)
def _scrub_short_text(text: str) -> str:
    return scrub_text(text, max_length=1000)


# json.dumps with options builds a new encoder per call; sizes are measured once per event.
_encode_compact = json.JSONEncoder(separators=(",", ":"), default=str).encode


def json_size(value) -> int:
    """Return the size in bytes of `value` encoded as compact JSON."""
    return len(_encode_compact(value).encode())


def hash_identifier(value: str) -> str:
    """Return a stable keyed hash of a personal identifier such as an e-mail address."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.strip().lower().encode(), hashlib.sha256)
    return "hash:" + digest.hexdigest()[:32]


def scrub_user_id(value: str) -> str:
    """Return a user ID safe to store: e-mail addresses are hashed, anything else kept."""
    if value and "@" in value and _EMAIL.search(value):
        return hash_identifier(value)
    return value
