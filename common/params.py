"""Query and form parameters read from client input without trusting their shape.

`'²'.isdigit()` is true but `int('²')` raises, and a number past 64 bits overflows a database
column: `whole_number` accepts only ASCII digits within the bounds the caller names.
"""

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
# The largest value of a PostgreSQL bigint, and of every primary key here.
MAX_ID = 2**63 - 1


def whole_number(value, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """Return `value` as an int when it is ASCII digits from `minimum` to `maximum`, else None."""
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def one_of(value, allowed, *, default: str = "") -> str:
    """Return `value` when it is one of `allowed`, else `default`."""
    return value if value in allowed else default
