"""The dedupe keys of automatic messages: one format, shared by Python and the daily SQL.

A key names the store, the rule (`part`), what the rule is about (a
prescription and its fill cycle, a patient and a year, …) and the channel:
`MAIN:refill:1042337:2026-03-01:due:sms`. The queue holds a key at most once,
so whoever builds the same key second (a re-run, an overlapping process, a
caught-up day) queues nothing.
"""

from __future__ import annotations

from enum import StrEnum

from rxmsg_tui.domain.vocabulary import Channel

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


def dedupe_key(store_code: str, part: KeyPart, subject: tuple[str, ...], channel: Channel) -> str:
    """`store:part:subject…:channel`; the daily SQL concatenates the same pieces."""
    return SEPARATOR.join((store_code, part.value, *subject, channel.value))


def key_prefix(store_code: str, part: KeyPart) -> str:
    """What every key of one rule at one store starts with."""
    return f"{store_code}{SEPARATOR}{part.value}{SEPARATOR}"
