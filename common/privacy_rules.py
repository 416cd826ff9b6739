"""The privacy rules: named RE2 patterns for secrets, token shapes, e-mail addresses, phone and
card numbers and IP addresses, in the order common.privacy runs them over free text.

A rule whose decision needs the characters around a finding (a card number's checksum, an
address inside a longer number) has a mask; the masks work on UTF-8 bytes.
"""

from collections.abc import Callable
from dataclasses import dataclass

import re2

FILTERED = "[Filtered]"


@dataclass(frozen=True)
class Rule:
    """A named rule: what RE2 `pattern` finds in free text is replaced by `placeholder`, or
    by what `mask(found, before, after)` returns when the decision needs the neighbouring
    characters, which RE2 cannot look at (UTF-8 bytes: `before` holds up to 16 bytes,
    `after` up to 2)."""

    name: str
    pattern: str
    placeholder: str = FILTERED
    mask: Callable[[bytes, bytes, bytes], bytes] | None = None


# The masks below work on UTF-8 bytes: RE2 matches the text encoded once, and re2's Python
# wrapper costs a third as much per finding on bytes as on str (no offsets to translate).


def _luhn_valid(digits: bytes) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = char - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_card(found: bytes, before: bytes, after: bytes) -> bytes:
    """Return a card number passing the Luhn check as `[card]`, keeping the character before
    it (the rule consumes it, RE2 having no look-behind); keep numbers inside longer ones."""
    boundary = _boundary(found, _DIGITS)
    digits = found[len(boundary) :].replace(b" ", b"").replace(b"-", b"")
    if after[:1].isdigit() or not _luhn_valid(digits):
        return found
    return boundary + b"[card]"


_DIGITS = frozenset(b"0123456789")
_HEX_OR_COLON = frozenset(b"0123456789abcdefABCDEF:")


def _boundary(found: bytes, starts: frozenset) -> bytes:
    """Return the character (one to four bytes) a rule consumed before what it found, up to
    the first byte in `starts`."""
    index = 0
    while index < len(found) and found[index] not in starts:
        index += 1
    return found[:index]


def _is_word(char: bytes) -> bool:
    # A byte of a non-ASCII character is not a word character: the safer side for the masks.
    return char.isalnum() or char == b"_"


def _mask_ip(found: bytes, before: bytes, after: bytes) -> bytes:
    """Return `[ip]` for an IPv4 or IPv6 address standing on its own, keeping the character
    before it that the rule consumes; keep version numbers (`Chrome/120.0.0.0` after a
    capitalised product name, `shop@1.2.3.4` after a release name) and what runs on into more
    digits or letters (`1.2.3.4.5`, `::1abc`); `hosts/10.0.0.1` in a path is an address."""
    # An IPv4 address may follow a colon ("host:10.0.0.1"); only IPv6 has one further on.
    is_ipv6 = b":" in found[1:]
    boundary = _boundary(found, _HEX_OR_COLON if is_ipv6 else _DIGITS)
    if is_ipv6:
        runs_on = _is_word(after[:1]) or after[:1] == b":"
    else:
        follows_name = (boundary == b"@" and _is_word(before[-1:])) or (
            boundary == b"/" and _is_word(before[-1:]) and _product_name(before)
        )
        more_digits = after[:1] == b"." and after[1:2].isdigit()
        runs_on = follows_name or more_digits or _is_word(after[:1])
    return found if runs_on else boundary + b"[ip]"


def _product_name(before: bytes) -> bool:
    """Return whether the word `before` ends with names a product, as user agents write them
    (`Chrome`, `Edg`, `CriOS`): it has a capital letter, which path segments rarely have."""
    index = len(before)
    while index > 0 and _is_word(before[index - 1 : index]):
        index -= 1
    return any(65 <= char <= 90 for char in before[index:])


def _mask_phone(found: bytes, before: bytes, after: bytes) -> bytes:
    """Return `[phone]` for an international number: +, then 8 to 15 digits."""
    digits = sum(48 <= char <= 57 for char in found)
    if _is_word(before[-1:]) or _is_word(after[:1]) or not 8 <= digits <= 15:
        return found
    return b"[phone]"


def _mask_credential(found: bytes, before: bytes, after: bytes) -> bytes:
    """Return `Bearer abc` as `Bearer [Filtered]`, keeping every scheme word before it."""
    *schemes, _credential = found.split()
    return b" ".join([*schemes, FILTERED.encode()])


_SCHEMES = r"(?:bearer|basic|token|digest)"
_PAIR_HEAD = re2.compile(rf"(?i)[^=:]*[=:]\s*(?:{_SCHEMES}\s+)*")


def _mask_pair(found: bytes, before: bytes, after: bytes) -> bytes:
    """Return `password=hunter2` as `password=[Filtered]`, keeping the key, the separator, any
    scheme word (`token: Bearer [Filtered]`) and quotes (`"password": "[Filtered]"`)."""
    head = _PAIR_HEAD.match(found).group()
    quote = found[len(head) : len(head) + 1]
    if quote in (b'"', b"'"):
        return head + quote + FILTERED.encode() + quote
    return head + FILTERED.encode()


EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4_PATTERN = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_HEX4 = r"[0-9A-Fa-f]{1,4}"
IPV6_PATTERN = (
    rf"(?:(?:{_HEX4}:){{7}}{_HEX4}"
    rf"|(?:{_HEX4}:){{1,7}}:"
    rf"|(?:{_HEX4}:){{1,6}}:{_HEX4}"
    rf"|(?:{_HEX4}:){{1,5}}(?::{_HEX4}){{1,2}}"
    rf"|(?:{_HEX4}:){{1,4}}(?::{_HEX4}){{1,3}}"
    rf"|(?:{_HEX4}:){{1,3}}(?::{_HEX4}){{1,4}}"
    rf"|(?:{_HEX4}:){{1,2}}(?::{_HEX4}){{1,5}}"
    rf"|{_HEX4}:(?::{_HEX4}){{1,6}}"
    rf"|:(?::{_HEX4}){{1,7}}"
    rf"|(?:{_HEX4}:){{1,4}}:{IPV4_PATTERN}"
    rf"|::(?:[fF]{{4}}(?::0{{1,4}})?:)?{IPV4_PATTERN})"
)

# The default rules, in the order they run (the README lists them). Each runs over what the
# rules before it left, so a masked secret cannot be half-found again.
RULES = (
    Rule(
        "private_key",
        r"-----BEGIN[A-Z ]*PRIVATE KEY-----[^-]*(?:-----END[A-Z ]*PRIVATE KEY-----)?",
    ),
    Rule("jwt", r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)?"),
    Rule(
        "aws_access_key",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b",
    ),
    Rule("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    Rule("slack_token", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    Rule("stripe_key", r"\b(?:(?:sk|rk|pk)_(?:live|test)|whsec)_[A-Za-z0-9]{10,}"),
    Rule("google_api_key", r"\bAIza[0-9A-Za-z_\-]{35}"),
    Rule(
        "credential",
        rf"(?i)\b{_SCHEMES}(?:\s+{_SCHEMES})*\s+[A-Za-z0-9._~+/\-]+=*",
        mask=_mask_credential,
    ),
    Rule(
        "secret_pair",
        r"(?i)\b[A-Za-z_\-]*(?:password|passwd|passphrase|secret|token|api[_\-]?key"
        r"|access[_\-]?key|private[_\-]?key|auth|credential)[A-Za-z_\-]*"
        rf"[\"']?\s*[=:]\s*(?:{_SCHEMES}\s+)*(?:\"[^\"]*\"|'[^']*'|[^\s&,;\"']+)",
        mask=_mask_pair,
    ),
    Rule("email", EMAIL_PATTERN, placeholder="[email]"),
    Rule("phone", r"\+[1-9](?:[ .\-]?(?:\(\d{1,4}\)|\d)){6,}", mask=_mask_phone),
    Rule(
        "card",
        r"(?:^|[^0-9])(?:\d{13,19}|\d{4}(?:[ \-]\d{4}){2}[ \-]\d{1,7}|\d{4}[ \-]\d{6}[ \-]\d{4,5})",
        mask=_mask_card,
    ),
    # The character before an address is consumed to know it is not inside a longer number or
    # word (RE2 has no look-behind), so dotted runs such as 1.2.3.4.5.6 are one candidate.
    Rule(
        "ip_address",
        rf"(?:^|[^0-9A-Za-z_.]){IPV4_PATTERN}|(?:^|[^0-9A-Za-z_.:]){IPV6_PATTERN}",
        mask=_mask_ip,
    ),
)
RULE_NAMES = tuple(rule.name for rule in RULES)
