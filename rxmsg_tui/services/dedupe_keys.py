"""The dedupe keys of automatic messages: one format, built in Python and in SQL side by side.

A key names the store, the rule (`part`), what the rule is about (a
prescription and its fill cycle, a patient and a year, …) and the channel:
`MAIN:refill:1042337:2026-03-01:due:sms`. The queue holds a key at most once,
so whoever builds the same key second (a re-run, an overlapping process, a
caught-up day, an event recorded twice) queues nothing. The event path builds
keys one at a time with `dedupe_key`; the daily process builds thousands in
one INSERT…SELECT with `dedupe_key_sql`. Both live here so they cannot drift
apart; tests/test_dedupe_keys.py holds them to the same keys on each database.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy.sql import ColumnElement

from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.storage.queries import concat

SEPARATOR = ":"


class KeyPart(StrEnum):
    REFILL = "refill"
    PICKUP = "pickup"
    PICKUP_FOLLOWUP = "pickup-followup"
    PICKUP_CONFIRMATION = "pickup-confirmation"
    REVIEW = "review"
    REVIEW_RESEND = "review-resend"
    BIRTHDAY = "birthday"
    WELCOME = "welcome"


def dedupe_key(store_code: str, part: KeyPart, subject: Sequence[str], channel: Channel) -> str:
    """`store:part:subject…:channel`, for one message queued from Python."""
    return SEPARATOR.join((store_code, part.value, *subject, channel.value))


def dedupe_key_sql(
    store_code: str, part: KeyPart, subject: Sequence[ColumnElement[Any] | str], channel: Channel
) -> ColumnElement[str]:
    """The same key as `dedupe_key`, as a column of a daily rule's SELECT."""
    pieces: list[ColumnElement[Any] | str] = [key_prefix(store_code, part)]
    for piece in subject:
        pieces += [piece, SEPARATOR]
    pieces.append(channel.value)
    return concat(*pieces).label("dedupe_key")


def key_prefix(store_code: str, part: KeyPart) -> str:
    """What every key of one rule at one store starts with."""
    return f"{store_code}{SEPARATOR}{part.value}{SEPARATOR}"


def keyword_answer_key(line_id: int) -> str:
    """The key of the answer to one inbound STOP/START/HELP line: never queued twice."""
    return f"keyword-reply:{line_id}"
