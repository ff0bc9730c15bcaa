"""How big a message may be and which characters it may hold, checked at save and at render.

A text that no phone or mail server would take, or that a terminal would
obey, must not reach the queue: an SMS is at most 10 segments, an email body
at most 100 KB and a subject at most 200 characters. Subjects and store
names are single lines of printable characters: a line break in a subject is
a mail header of its own (`\r\nBcc:`), an escape sequence in a name repaints
the terminal that shows it. Bodies keep their line breaks (LF, which GSM-7
has, so an SMS may put "Reply STOP" on a line of its own) and email bodies
their tabs; no other control character (CR, ESC, BEL, NUL, C1) is allowed
anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rxmsg_tui.domain.sms_length import measure
from rxmsg_tui.domain.vocabulary import Method

SMS_MAX_SEGMENTS = 10
EMAIL_BODY_MAX_BYTES = 100_000
"""UTF-8 bytes of the rendered body, HTML included."""
SUBJECT_MAX_CHARS = 200
TEMPLATE_MAX_CHARS = 100_000
"""A template longer than the largest text it may give is refused before it is read."""

_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)))
_LINE_SEPARATORS = "\u2028\u2029"
_NAMES = {
    0x00: "NUL",
    0x07: "BEL",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "line break (LF)",
    0x0D: "carriage return (CR)",
    0x1B: "ESC",
    0x7F: "DEL",
    0x2028: "line separator",
    0x2029: "paragraph separator",
}
_KIND = {Method.EMAIL: "an email", Method.SMS: "an SMS", Method.CALL: "a call's text"}


class TextLimitError(ValueError):
    """A text over its cap or with a character it may not hold; `field` says which text."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class BadCharacter:
    """The first character a text may not hold, and where it is."""

    char: str
    line: int
    column: int

    @property
    def problem(self) -> str:
        code = ord(self.char)
        return f"{_NAMES.get(code, 'control character')} (U+{code:04X}) is not allowed"

    def describe(self) -> str:
        return f"line {self.line}, column {self.column}: {self.problem}"


@lru_cache(maxsize=8)
def _refused(keep: str) -> re.Pattern[str]:
    refused = "".join(ch for ch in _CONTROLS + _LINE_SEPARATORS if ch not in keep)
    return re.compile(f"[{re.escape(refused)}]")


def bad_character(text: str, *, keep: str = "") -> BadCharacter | None:
    """The first control character in `text` other than those in `keep` (e.g. "\n")."""
    found = _refused(keep).search(text)
    if found is None:
        return None
    offset = found.start()
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return BadCharacter(found.group(), line, column)


def check_single_line(label: str, text: str) -> None:
    """Refuse a control character or line break in a one-line text (subject, store name)."""
    bad = bad_character(text)
    if bad is not None:
        raise TextLimitError(label, f"{label}: {bad.describe()}")


def body_keeps(method: Method) -> str:
    """The control characters a body may hold: line breaks, and tabs in an email."""
    return "\n\t" if method is Method.EMAIL else "\n"


def check_message(method: Method, subject: str, body: str) -> None:
    """Refuse a finished message that is too long or holds a character it may not.

    Applied to the text as the patient would get it, after the variables are
    filled in; the error's `field` is `subject` or `body`.
    """
    if len(subject) > SUBJECT_MAX_CHARS:
        raise TextLimitError(
            "subject", f"the subject is {len(subject):,} characters; at most {SUBJECT_MAX_CHARS}"
        )
    check_single_line("subject", subject)
    bad = bad_character(body, keep=body_keeps(method))
    if bad is not None:
        raise TextLimitError("body", f"body: {bad.describe()} in {_KIND[method]}")
    if method is Method.EMAIL:
        size = len(body.encode("utf-8", "surrogatepass"))
        if size > EMAIL_BODY_MAX_BYTES:
            raise TextLimitError(
                "body", f"the email body is {size:,} bytes; at most {EMAIL_BODY_MAX_BYTES:,}"
            )
    elif method is Method.SMS:
        check_sms_length(body)
    elif len(body) > EMAIL_BODY_MAX_BYTES:
        raise TextLimitError("body", f"the call text is {len(body):,} characters; too long")


def check_sms_length(body: str) -> None:
    """At most `SMS_MAX_SEGMENTS`; counted cheaply first so a huge text costs nothing."""
    if len(body) > SMS_MAX_SEGMENTS * 153:
        detail = f"more than {SMS_MAX_SEGMENTS} segments"
    else:
        length = measure(body)
        if length.segments <= SMS_MAX_SEGMENTS:
            return
        detail = f"{length.segments} segments in {length.encoding}"
    raise TextLimitError(
        "body",
        f"the SMS is {len(body):,} characters ({detail}); at most {SMS_MAX_SEGMENTS} segments",
    )


def check_template_size(field: str, source: str, *, limit: int = TEMPLATE_MAX_CHARS) -> None:
    """Refuse a template (or typed text) too long to be worth reading at all."""
    if len(source) > limit:
        raise TextLimitError(field, f"{field}: {len(source):,} characters; at most {limit:,}")
