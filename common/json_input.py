"""JSON sent by clients, parsed so that no document can crash or stall the service.

`json_parse` is the one way the service reads client JSON: request bodies, the lines and items
of Sentry envelopes, the `metadata` text part of a feedback form; `JsonBodyParser` is the same
for DRF views. It answers what `json.loads` answers, except for three kinds of value that
would otherwise end in a database error or a RecursionError (the README says the same):

- `NaN`, `Infinity`, `-Infinity` and numbers too large for a float (`1e400`) read as the
  strings "NaN", "Infinity" and "-Infinity", the text JavaScript's String() gives them:
  PostgreSQL's jsonb cannot hold them as numbers. A field that needs a number refuses them.
- Integers longer than Python's integer conversion limit (4300 digits) read as their digits,
  as a string, so the rest of the document is still read.
- Arrays and objects nested deeper than MAX_JSON_DEPTH levels read as "[Filtered]", so a
  document nested 10,000 deep parses, in linear time, and no later walk over it can recurse
  too deep.
"""

import codecs
import json
import re
import sys

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from common.privacy import FILTERED

MAX_JSON_DEPTH = 64

_NON_FINITE = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}
# One token per string (an unterminated one runs to the end, so no string is scanned twice),
# per run of opening brackets and per run of closing brackets; everything else is skipped.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.?)*+"?|[\[{]++|[\]}]++', re.DOTALL)


def _non_finite(text: str) -> str:
    return _NON_FINITE[text]


def _float(text: str):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _integer(text: str):
    limit = sys.get_int_max_str_digits()
    if limit and len(text.lstrip("-")) > limit:
        return text
    return int(text)


def _loads(text: str):
    try:
        return json.loads(text, parse_constant=_non_finite, parse_float=_float)
    except ValueError:
        # Perhaps an integer past the conversion limit: read once more, keeping such digits as
        # text. A document that is not JSON fails again, with the same message.
        return json.loads(text, parse_constant=_non_finite, parse_float=_float, parse_int=_integer)


def json_parse(raw: bytes | str):
    """Return the JSON value in `raw`, with non-finite numbers, over-long integers and
    over-deep containers read as described in the module's docstring.

    Raise ValueError (UnicodeDecodeError or json.JSONDecodeError) for text that is not JSON;
    never RecursionError. The cost is linear in the length of `raw`.
    """
    text = raw.decode(json.detect_encoding(raw), "surrogatepass") if isinstance(raw, bytes) else raw
    # A document can be no deeper than its count of opening brackets: most stop here.
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return _loads(text)
    try:
        value = _loads(text)
    except RecursionError:
        return _loads(_deep_containers_filtered(text))
    return _deep_values_filtered(value)


_CONTAINERS = frozenset({dict, list})


def _deep_values_filtered(value):
    """Return `value` with every array or object deeper than MAX_JSON_DEPTH replaced, in
    place, by FILTERED."""
    if value.__class__ not in _CONTAINERS:
        return value
    # Level by level, looking only for containers: under half the cost of the parse. The
    # in-place walk below is slower, and runs only for a document that is too deep.
    level = [value]
    for _ in range(MAX_JSON_DEPTH):
        level = [
            item
            for container in level
            for item in (container.values() if container.__class__ is dict else container)
            if item.__class__ in _CONTAINERS
        ]
        if not level:
            return value
    pending = [(value, 1)]
    while pending:
        container, depth = pending.pop()
        items = container.items() if type(container) is dict else enumerate(container)
        for key, item in items:
            if item.__class__ in _CONTAINERS:
                if depth >= MAX_JSON_DEPTH:
                    container[key] = FILTERED
                else:
                    pending.append((item, depth + 1))
    return value


def _deep_containers_filtered(text: str) -> str:
    """Return `text` with every array or object deeper than MAX_JSON_DEPTH replaced by the
    JSON string FILTERED, in one pass over its strings and brackets."""
    pieces, depth, kept_until, cut_from = [], 0, 0, None
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token[0] in "[{":
            if cut_from is None and depth + len(token) > MAX_JSON_DEPTH:
                cut_from = match.start() + MAX_JSON_DEPTH - depth
                pieces.append(text[kept_until:cut_from])
                pieces.append(json.dumps(FILTERED))
            depth += len(token)
        else:
            if cut_from is not None and depth - len(token) <= MAX_JSON_DEPTH:
                # The closing bracket that brings the depth back to the limit ends the cut.
                kept_until = match.start() + depth - MAX_JSON_DEPTH
                cut_from = None
            depth -= len(token)
    if cut_from is None:
        pieces.append(text[kept_until:])
    return "".join(pieces)


class JsonBodyParser(JSONParser):
    """DRF's JSON parser reading through json_parse; a body that is not JSON is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        # A charset the request declares is honoured, as DRF's parser does; UTF-8 (the default)
        # is left to json_parse, which also reads UTF-16 and UTF-32 as json.loads does.
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            if codecs.lookup(encoding).name != "utf-8":
                raw = raw.decode(encoding)
            return json_parse(raw)
        except ValueError as error:
            raise ParseError(str(error)[:200]) from None
