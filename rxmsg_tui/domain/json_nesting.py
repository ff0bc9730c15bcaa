"""JSON read with a bound on nesting: `[[[[…` is a bad line to report, never a RecursionError.

Python's decoder recurses once per nested array or object, so a file of a
hundred thousand `[` exhausts the interpreter's stack. The decoder is left to
do its work; when it gives up, the nesting is measured here to say on which
line and column the file went too deep, as a `json.JSONDecodeError` like any
other syntax problem, so callers report it the way they report a missing comma.
"""

from __future__ import annotations

import json
from typing import Any

TOO_DEEP = "nested too deeply"
MAX_DEPTH = 100
"""Depth named in the report; every rxmsg document is at most three levels deep."""


def loads(text: str) -> Any:
    """`json.loads`, with too deep a nesting raised as a `JSONDecodeError` at its position."""
    try:
        return json.loads(text)
    except RecursionError:
        position = too_deep_at(text, MAX_DEPTH)
        raise json.JSONDecodeError(TOO_DEEP, text, position or 0) from None


def too_deep_at(text: str, limit: int) -> int | None:
    """The index where arrays and objects first nest deeper than `limit`, or None."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return index
        elif char in "]}":
            depth -= 1
    return None
