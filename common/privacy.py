"""Privacy scrubbing applied before anything is stored.

One module for every app: telemetry, errors and feedback call these functions on everything
clients send, so the rules below are the whole truth of what is removed (the README's
"Privacy" section lists them with the fields they apply to).

- Every string is cleaned first: NUL characters are dropped and lone UTF-16 surrogates become
  U+FFFD, since PostgreSQL can store neither.
- Free text goes through RULES (common/privacy_rules.py), named RE2 patterns (secrets, token
  shapes, e-mail addresses, phone and card numbers, IP addresses). RE2 guarantees time linear
  in the text whatever the text; one RE2 set finds which rules have findings in one pass, and
  those rules then run in order, each over what the ones before it left, so a masked secret
  is never half-found again. settings.PRIVACY turns rules off by name and adds patterns.
- URLs keep scheme, host and a valid port; the query string and fragment are dropped; path
  segments that look like identifiers (numbers, UUIDs, long hex, cuid or ulid tokens, e-mail
  and IP addresses) become `[id]`, and the path is free text. A URL that does not parse
  loses only the part that does not.
- Mapping keys that name secrets or personal data have their value replaced by `[Filtered]`,
  case-insensitively, at any depth; the keys themselves are free text.
- Identifiers (user, session and anonymous IDs) in which a rule finds anything are replaced by
  a keyed hash, so the same person or session still counts once.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import re2
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from common.privacy_rules import (
    EMAIL_PATTERN,
    FILTERED,
    IPV4_PATTERN,
    IPV6_PATTERN,
    RULE_NAMES,
    RULES,
    Rule,
)

ID_PLACEHOLDER = "[id]"

MAX_TEXT_LENGTH = 2000
MAX_METADATA_DEPTH = 6
MAX_METADATA_KEYS = 100
# Values and keys up to this long repeat from event to event ("en-US", user agents): each
# distinct one is scrubbed once.
_CACHED_LENGTH = 512

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

# A single character class cannot backtrack, so Python's own engine is linear here.
_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _options():
    options = re2.Options()
    # Leftmost-longest: the longest finding at a position, whatever the order of alternatives.
    options.longest_match = True
    # Room for the DFA of every rule at once, so RE2 does not fall back to its slower NFA.
    options.max_mem = 64 << 20
    return options


def rules_enabled() -> tuple[str, ...]:
    """Return the names of the rules that run, defaults first, in their order; raise
    ImproperlyConfigured for a settings.PRIVACY that names no rule or holds a bad pattern."""
    return tuple(rule.name for rule in _enabled_rules())


def _enabled_rules() -> list[Rule]:
    config = getattr(settings, "PRIVACY", {})
    disabled = set(config.get("DISABLED_RULES", ()))
    unknown = disabled - set(RULE_NAMES)
    if unknown:
        raise ImproperlyConfigured(
            f"PRIVACY_DISABLED_RULES names no rule: {', '.join(sorted(unknown))}; "
            f"the rules are {', '.join(RULE_NAMES)}."
        )
    rules = [rule for rule in RULES if rule.name not in disabled]
    patterns = config.get("EXTRA_PATTERNS", ())
    if not isinstance(patterns, list | tuple):
        raise ImproperlyConfigured(
            f"PRIVACY_EXTRA_PATTERNS must be a JSON list of strings, not {patterns!r}."
        )
    for index, pattern in enumerate(patterns):
        try:
            matches_nothing = re2.compile(pattern).fullmatch("") is not None
        except (re2.error, TypeError) as error:
            raise ImproperlyConfigured(
                f"PRIVACY_EXTRA_PATTERNS[{index}] is not an RE2 pattern: {pattern!r} ({error})."
            ) from None
        if matches_nothing:
            raise ImproperlyConfigured(
                f"PRIVACY_EXTRA_PATTERNS[{index}] matches the empty string: {pattern!r}."
            )
        rules.append(Rule(f"extra_{index}", pattern))
    return rules


def _replacement(rule: Rule) -> Callable:
    """Return the function re2's sub calls with each finding of `rule`."""
    if rule.mask is None:
        placeholder = rule.placeholder.encode()
        return lambda match: placeholder
    mask = rule.mask

    def replace(match) -> bytes:
        text = match.string
        start, end = match.span()
        return mask(text[start:end], text[max(0, start - 16) : start], text[end : end + 2])

    return replace


@dataclass(frozen=True)
class _Scrubber:
    # Which rules find anything in a text, in one linear pass (an RE2 set).
    detect: object
    # (compiled pattern, replacement function) per rule, in the order they run.
    rules: tuple


@lru_cache(maxsize=1)
def _scrubber() -> _Scrubber | None:
    """Return the rules settings.PRIVACY enables, compiled; None when there are none.

    The rules run one after the other rather than as one alternation: RE2 is linear for one
    pattern, but a short finding of one rule inside a long unfinished candidate of another
    (an IP address inside what could still become an e-mail address) would make a combined
    search rescan that candidate after every finding.
    """
    rules = _enabled_rules()
    if not rules:
        return None
    detect = re2.Set.SearchSet(_options())
    for rule in rules:
        detect.Add(rule.pattern)
    detect.Compile()
    compiled = tuple((re2.compile(rule.pattern, _options()), _replacement(rule)) for rule in rules)
    return _Scrubber(detect=detect, rules=compiled)


def text_clean(text: str) -> str:
    """Return `text` without NUL characters and with lone surrogates as U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    return text


def scrub_text(text: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Return `text` cleaned, with every finding of the enabled rules masked, cut to
    `max_length` characters."""
    if not text:
        return text
    text = text_clean(text[: max_length * 2])
    scrubber = _scrubber()
    if scrubber is None:
        return text[:max_length]
    data = text.encode()
    found = scrubber.detect.Match(data)
    if not found:
        return text[:max_length]
    for index in sorted(found):
        regex, replacement = scrubber.rules[index]
        data = regex.sub(replacement, data)
    # Findings start and end on whole characters, so the bytes decode; "replace" is the belt.
    return data.decode(errors="replace")[:max_length]


@lru_cache(maxsize=8192)
def _scrub_cached(text: str) -> str:
    return scrub_text(text, max_length=1000)


def scrub_short_text(text: str, *, max_length: int) -> str:
    """Return scrub_text(text) cut to `max_length`, remembering the answer for short values
    (user agents, regions, builds, environments repeat from event to event)."""
    if not text:
        return text
    if len(text) <= _CACHED_LENGTH:
        return _scrub_cached(text)[:max_length]
    return scrub_text(text, max_length=max_length)


_UUID = re2.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_LONG_HEX = re2.compile(r"^(?:0x)?[0-9a-fA-F]{12,}$")
_HAS_DIGIT = re2.compile(r"\d")
_ADDRESS = re2.compile(rf"^(?:{IPV4_PATTERN}|{IPV6_PATTERN})$")
# cuid, cuid2, ulid, nanoid, Mongo ids: long runs of letters and digits containing a digit.
_TOKEN = re2.compile(r"^[A-Za-z0-9_\-]{16,}$")
_SLUG_WORDS = re2.compile(r"^[a-z]+(?:-[a-z0-9]+)+$")
_EMAIL = re2.compile(EMAIL_PATTERN)


def is_identifier_segment(segment: str) -> bool:
    """Return whether a URL path segment looks like an identifier rather than a route word."""
    value = unquote(segment) if "%" in segment else segment
    if not value:
        return False
    if value.isascii() and value.isdigit():
        return True
    if ("." in value or ":" in value) and _ADDRESS.match(value):
        return True
    # Every other identifier shape is at least 12 characters long or an e-mail address.
    if len(value) < 12 and "@" not in value:
        return False
    if _UUID.match(value) or _EMAIL.fullmatch(value):
        return True
    has_digit = _HAS_DIGIT.search(value) is not None
    if has_digit and _LONG_HEX.match(value):
        return True
    return has_digit and bool(_TOKEN.match(value)) and not _SLUG_WORDS.match(value)


def _origin(url: str) -> tuple[str, str]:
    """Return `scheme://host[:port]` of `url` ('' without one) and its path.

    The host is kept as it is: it names the site, the same for all of its users. A port that
    is not a number from 1 to 65535 is dropped; a host that does not parse (a broken IPv6
    literal) drops the origin and keeps the path after it.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        authority_and_path = url.split("//", 1)[-1] if "//" in url else url
        slash = authority_and_path.find("/")
        path = authority_and_path[slash:] if slash >= 0 else ""
        return "", path.split("?", 1)[0].split("#", 1)[0]
    if not (parts.scheme and parts.netloc):
        return "", parts.path
    host = parts.hostname or ""
    origin = f"{parts.scheme}://{f'[{host}]' if ':' in host else host}"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port:
        origin += f":{port}"
    return origin, parts.path


def _scrub_url_parts(url: str, max_length: int) -> str:
    origin, path = _origin(url)
    segments = [ID_PLACEHOLDER if is_identifier_segment(s) else s for s in path.split("/")]
    path = scrub_text("/".join(segments), max_length=max_length)
    return (origin + path)[:max_length]


def scrub_url(url: str, *, max_length: int = 512) -> str:
    """Return `url` without query string or fragment and with identifier segments as `[id]`;
    never raise, whatever the URL."""
    if not url:
        return url
    url = text_clean(url.strip()[:4096])
    if len(url) <= _CACHED_LENGTH:
        return _scrub_url_cached(url, max_length)
    return _scrub_url_parts(url, max_length)


# Pages repeat from event to event: each distinct one is scrubbed once.
_scrub_url_cached = lru_cache(maxsize=2048)(_scrub_url_parts)


def scrub_data(value, *, depth: int = 0):
    """Return a copy of a JSON value with sensitive keys filtered and keys and strings scrubbed.

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
            key = key[:100] if key.__class__ is str else str(key)[:100]
            stored_key = _scrub_cached(key)
            if is_sensitive_key(key):
                result[stored_key] = FILTERED
            else:
                result[stored_key] = scrub_data(item, depth=depth + 1)
        return result
    if isinstance(value, list):
        if depth >= MAX_METADATA_DEPTH:
            return FILTERED
        return [scrub_data(item, depth=depth + 1) for item in value[:MAX_METADATA_KEYS]]
    if isinstance(value, str):
        return scrub_short_text(value, max_length=1000)
    return value


# Metadata keys repeat from event to event; the answer for a key never changes.
@lru_cache(maxsize=4096)
def is_sensitive_key(key: str) -> bool:
    """Return whether a mapping key names a secret or personal data."""
    normalised = _NOT_LETTER_OR_DIGIT.sub("", str(key).lower())
    if normalised in _SENSITIVE_KEYS_EXACT:
        return True
    return any(part in normalised for part in _SENSITIVE_KEY_PARTS)


# json.dumps with options builds a new encoder per call; sizes are measured once per event.
_encode_compact = json.JSONEncoder(separators=(",", ":"), default=str).encode


def json_size(value) -> int:
    """Return the size in bytes of `value` encoded as compact JSON."""
    return len(_encode_compact(value).encode())


def hash_identifier(value: str) -> str:
    """Return a stable keyed hash of a personal identifier such as an e-mail address."""
    normalised = text_clean(value).strip().lower()
    digest = hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256)
    return "hash:" + digest.hexdigest()[:32]


def scrub_identifier(value: str, *, max_length: int = 128) -> str:
    """Return an ID safe to store, cut to `max_length`: kept when no rule finds anything in it,
    else its keyed hash (an e-mail address, phone number or token used as an ID still counts as
    one person)."""
    if not value:
        return value
    value = text_clean(value)
    scrubbed = scrub_short_text(value, max_length=len(value))
    return (value if scrubbed == value else hash_identifier(value))[:max_length]


def _settings_changed(*, setting, **kwargs) -> None:
    if setting in ("PRIVACY", "SECRET_KEY"):
        _scrubber.cache_clear()
        _scrub_cached.cache_clear()
        _scrub_url_cached.cache_clear()


setting_changed.connect(_settings_changed)
