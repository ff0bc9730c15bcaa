"""The signature pad's line protocol (DESIGN.md §6): the lines both ends write and read.

Host: `PROMPT <id> <text>` and `PING`. Pad: `RESULT <id> YES <signature-sha256>`,
`RESULT <id> NO` and `PONG`. Lines end with CRLF. Shared by the driver and the
simulator, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TERMINATOR = "\r\n"
MAX_LINE = 4096
"""Longer than any answer or prompt: a pad streaming bytes without a line end is garbage."""

_PROMPT = re.compile(r"PROMPT (?P<id>[A-Za-z0-9_-]{1,32}) (?P<text>.*)")
_RESULT = re.compile(
    r"RESULT (?P<id>[A-Za-z0-9_-]{1,32}) (?:(?P<yes>YES) (?P<hash>[0-9A-Fa-f]{64})|(?P<no>NO))"
)


@dataclass(frozen=True)
class PadAnswer:
    """What the patient did: signed YES (with the signature's sha256) or pressed NO."""

    prompt_id: str
    yes: bool
    signature_sha256: str = ""
    """64 lowercase hex digits when `yes`; the evidence kept in the consent ledger."""


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    text: str


def prompt_line(prompt_id: str, text: str) -> str:
    """The PROMPT line: the wording on one line, its whitespace (line breaks too) collapsed."""
    if not _PROMPT.fullmatch(f"PROMPT {prompt_id} x"):
        raise ValueError(f"prompt id {prompt_id!r} must be 1-32 letters, digits, - or _")
    return f"PROMPT {prompt_id} {' '.join(text.split())}"


def parse_prompt(line: str) -> Prompt | None:
    """A PROMPT line read by the pad, or None for anything else."""
    found = _PROMPT.fullmatch(line.strip())
    return None if found is None else Prompt(found["id"], found["text"])


def result_line(answer: PadAnswer) -> str:
    if answer.yes:
        return f"RESULT {answer.prompt_id} YES {answer.signature_sha256}"
    return f"RESULT {answer.prompt_id} NO"


def parse_result(line: str) -> PadAnswer | None:
    """A RESULT line read by the host, or None when the line is not one."""
    found = _RESULT.fullmatch(line.strip())
    if found is None:
        return None
    if found["yes"]:
        return PadAnswer(found["id"], True, found["hash"].lower())
    return PadAnswer(found["id"], False)


def is_pong(line: str) -> bool:
    return line.strip() == "PONG"


def is_ping(line: str) -> bool:
    return line.strip() == "PING"
