"""The provider interface every transport implements, and the errors the dispatcher sorts by.

A provider either accepts a message (`SendResult`), fails for now
(`TransientError`: timeouts, connection errors, 5xx, 429 — the dispatcher
retries with backoff, honouring `retry_after`) or fails for good
(`PermanentError`: 4xx such as an invalid number — the message fails at once
with `reason` shown to staff in plain words). Every request carries the
message's UUID as `Idempotency-Key`, so a retry after a crash never delivers
twice at a provider that honours it. Twilio and SendGrid do not honour it, so a
message whose sender died mid-send is never simply sent again: a provider that
can be asked (`FindsSent`) is asked first, any other leaves it for staff.
Secrets never appear in `response`, `reason` or logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from rxmsg_tui.domain.vocabulary import Method


@dataclass(frozen=True)
class OutgoingMessage:
    uuid: str
    """Sent as the `Idempotency-Key` header."""
    method: Method
    to: str
    """E.164 for SMS and calls, an address for email."""
    subject: str
    body: str
    html_body: str | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None
    status_code: int | None
    response: str = ""
    """A short, secret-free summary of what the provider answered (kept in message_attempt)."""


@dataclass(frozen=True)
class SentRecord:
    """A message the provider says it accepted, found by asking after a sender died."""

    provider_message_id: str | None
    sent_at: datetime | None = None


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NO_ANSWER = "no-answer"
    """A call nobody picked up (IVR): tried again later within the call window."""
    BUSY = "busy"
    """A call to a busy line (IVR): tried again later within the call window."""
    LOST = "lost"
    """The transport holds no record of it (an IVR restarted before placing it): sent again."""


@dataclass(frozen=True)
class InboundSms:
    provider_message_id: str
    from_number: str
    to_number: str
    body: str
    received_at: datetime


class ProviderError(Exception):
    def __init__(self, reason: str, *, status_code: int | None = None, response: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code
        self.response = response


class TransientError(ProviderError):
    """Worth trying again later; `retry_after` in seconds when the provider said so."""

    def __init__(
        self,
        reason: str,
        *,
        status_code: int | None = None,
        response: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, status_code=status_code, response=response)
        self.retry_after = retry_after


class TransportDown(TransientError):
    """The transport as a whole is unreachable (the IVR computer is off or unplugged).

    Nothing was tried, so the message waits `Pending` without spending one of
    its attempts, however long the outage lasts.
    """


class PermanentError(ProviderError):
    """Trying again will not help: the message fails now with `reason`."""


class Provider(Protocol):
    name: str
    """Shown in message_attempt and on screen: `twilio`, `sendgrid`, `smtp`, `routing`, `outbox`."""

    def send(self, message: OutgoingMessage) -> SendResult: ...

    def status(self, provider_message_id: str) -> DeliveryStatus: ...

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]: ...

    def close(self) -> None: ...


@runtime_checkable
class FindsSent(Protocol):
    """A provider that can say whether it accepted a message (optional; see the module doc)."""

    def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SentRecord]:
        """Every message matching `message` that it accepted at or after `since`.

        An empty list means it definitely holds none; a provider that cannot
        tell raises ProviderError instead, and the question is asked again later.
        """
        ...


@runtime_checkable
class KeepsInbound(Protocol):
    """A source that keeps each inbound message until told it is stored (the outbox's inbox).

    A provider reads from a high-water mark instead; a folder cannot be asked
    "since when", so its files stay put until `acknowledge` moves them, and a
    crash between storing and moving only re-reads a file the store already holds.
    """

    def acknowledge(self, provider_message_ids: Sequence[str]) -> None:
        """Set aside the messages with these ids: they are stored (or were already)."""
        ...

    def take_rejected(self) -> list[str]:
        """What the last poll could not read and set aside, one line each, then forgets it."""
        ...
