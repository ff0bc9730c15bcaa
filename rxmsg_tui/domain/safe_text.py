"""Outside text shown back in a message: cut short, control characters visible, no passwords.

An Rx number, a file line or a database URL can be anything a script or a
person pasted: five megabytes, an escape sequence that repaints the terminal,
or a connection string with its password. Every error path quotes such values
through here, so a message stays one readable line that can go into a support
ticket as it is.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MAX_VALUE = 80
"""Characters of an echoed value, "…" included: enough to recognise it, too few to flood."""
MAX_LINE = 400
"""Characters of a whole message line; only a message built from long values comes near it."""
MASK = "***"

_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,40}://[^\s:/@]{0,256}:)[^\s@]{1,1024}@")
"""Bounded repeats: a five-megabyte value must not make the search quadratic."""
_LONG_RUN = re.compile(rf"\S{{{MAX_VALUE + 1},}}")
_VERY_LONG_RUN = re.compile(rf"\S{{{4 * MAX_VALUE + 1},}}")
_KEYWORD_PASSWORD = re.compile(r"""(?i)\b(password\s*=\s*)('(?:[^'\\]|\\.)*'|"[^"]*"|[^\s&;,]+)""")
_DATABASE_URL = re.compile(r"[\w+]+://(?:[^:/]*(?::(?P<password>[^@]*))?@)?")
"""The scheme and credentials as SQLAlchemy's `make_url` reads them (same pattern)."""


def visible(text: str) -> str:
    """Control and other unprintable characters as escapes (`\\x1b`), so the terminal shows them."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def cut(text: str, limit: int = MAX_VALUE) -> str:
    """At most `limit` characters; a cut value ends in "…" so nobody mistakes it for the whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: str, limit: int = MAX_VALUE) -> str:
    """A value as it may appear in a message: escaped, then cut to `limit` characters."""
    # Escaping can only lengthen the text, so a slice a little longer than the limit is enough.
    return cut(visible(value[: limit + 1]), limit)


def mask_passwords(text: str) -> str:
    """`scheme://user:secret@host` and `password=secret` with the password as `***`."""
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
    return _KEYWORD_PASSWORD.sub(rf"\g<1>{MASK}", text)


def url_password(url: str) -> str | None:
    """The password of a database URL, decoded as SQLAlchemy decodes it, or None.

    Without importing SQLAlchemy: the masking of a usage error must not cost
    `rxmsg` the second that loading the database library takes.
    """
    found = _DATABASE_URL.match(url)
    password = found.group("password") if found else None
    return unquote(password) if password is not None else None


def one_line(message: str, limit: int = MAX_LINE) -> str:
    """A message on one line: passwords masked, controls escaped, long values and the line cut.

    A message may quote a value that did not go through `shown` (a library's
    own words, a path): any run of more than `MAX_VALUE` characters without a
    space loses its middle, so both ends (a file's name) stay readable.
    """
    flat = " ".join(mask_passwords(message).split())
    # Escaping can make a run four times longer: shorten it first, then cut what shows.
    shorter = _VERY_LONG_RUN.sub(lambda m: _middle_cut(m, 4 * MAX_VALUE), flat)
    return cut(_LONG_RUN.sub(lambda m: _middle_cut(m, MAX_VALUE), visible(shorter)), limit)


def _middle_cut(match: re.Match[str], limit: int) -> str:
    run = match.group(0)
    head = (limit - 1) // 2
    return run[:head] + "…" + run[-(limit - 1 - head) :]


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
