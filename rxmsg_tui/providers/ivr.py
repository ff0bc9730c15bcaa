"""The IVR computer as a transport: calls (and SMS/email when Setup says so) through its link.

The link itself (devices/ivr.py) is built by the services layer and handed in;
this module only turns the IVR's answers into what the dispatcher sorts by:

- IVR down: `TransportDown`, the message waits `Pending` without spending an attempt;
- no `queued` in time: `TransientError` (sent again later with the same id, which
  the IVR never places twice);
- `queued`: `SendResult` whose provider id is the message UUID, so it is `Sent`;
- later, `status()`: answered → Delivered, failed → Failed, no-answer and busy →
  tried again later within the call window, `unknown` (an IVR that lost a call
  it had queued, e.g. after a restart) → sent again, once.

`ping_ivr` is the Setup screen's Test: one `ping` round trip on a connection of
its own, so something that listens but is not an IVR is named as such.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime
from typing import Protocol

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    ProviderError,
    SendResult,
    SentRecord,
    TransientError,
    TransportDown,
)

OPS = {Method.CALL: "call", Method.SMS: "sms", Method.EMAIL: "email"}
STATUS = {
    "answered": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
    "no-answer": DeliveryStatus.NO_ANSWER,
    "busy": DeliveryStatus.BUSY,
    "queued": DeliveryStatus.QUEUED,
    "unknown": DeliveryStatus.LOST,
}


class IvrChannel(Protocol):
    """What the transport needs of the driver (devices/ivr.py `IvrLink`).

    Its errors are the built-in ones: ConnectionError when the IVR is down,
    TimeoutError when it did not answer in time.
    """

    @property
    def connected(self) -> bool: ...

    @property
    def last_error(self) -> str: ...

    def submit(self, op: str, message_id: str, to: str, text: str, subject: str = "") -> str: ...

    def query(self, message_id: str) -> tuple[str, str]: ...

    def take_final(self, message_id: str) -> tuple[str, str] | None: ...

    def close(self) -> None: ...


class IvrProvider:
    """One IVR computer; shared by every method Setup gives it (closed once)."""

    name = "ivr"

    def __init__(self, link: IvrChannel, where: str) -> None:
        self.link = link
        self.where = where

    @property
    def is_down(self) -> bool:
        """Not connected now: the header says "IVR down" and its messages wait."""
        return not self.link.connected

    def send(self, message: OutgoingMessage) -> SendResult:
        op = OPS[message.method]
        try:
            status = self.link.submit(op, message.uuid, message.to, message.body, message.subject)
        except ConnectionError as exc:
            raise TransportDown(f"the IVR computer at {self.where} is down: {exc}") from exc
        except TimeoutError as exc:
            raise TransientError(str(exc)) from exc
        if status == "failed":
            raise PermanentError("the IVR computer refused it", response=f"IVR: {status}")
        if status not in STATUS or status == "unknown":
            raise TransientError(f"the IVR computer answered {status!r}", response=f"IVR: {status}")
        return SendResult(message.uuid, None, f"IVR: {status}")

    def status(self, provider_message_id: str) -> DeliveryStatus:
        """The final status once the IVR sent it; else the IVR is asked (raises when down)."""
        final = self.link.take_final(provider_message_id)
        if final is None:
            try:
                final = self.link.query(provider_message_id)
            except (ConnectionError, TimeoutError) as exc:
                raise TransientError(f"cannot ask the IVR computer: {exc}") from exc
        return STATUS.get(final[0], DeliveryStatus.UNKNOWN)

    def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SentRecord]:
        """A sender died while handing `message` over: the IVR says whether it holds it."""
        try:
            status, _ = self.link.query(message.uuid)
        except (ConnectionError, TimeoutError) as exc:
            raise ProviderError(f"cannot ask the IVR computer: {exc}") from exc
        return [] if status == "unknown" else [SentRecord(message.uuid)]

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        return []

    def close(self) -> None:
        self.link.close()


def ping_ivr(host: str, port: int, timeout: float) -> float:
    """Seconds for one `ping` → `pong`; ProviderError saying what answered instead.

    OSError (refused, no route, name lookup) is left to the caller, which
    words network failures the same way for every provider.
    """
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(b'{"op":"ping"}\n')
        with sock.makefile("rb") as lines:
            try:
                raw = lines.readline(4096)
            except TimeoutError as exc:
                raise ProviderError(
                    f"something listens at {host}:{port} but did not answer the IVR ping "
                    f"within {timeout:g} s: is it the IVR interface?"
                ) from exc
    if not raw:
        raise ProviderError(
            f"something at {host}:{port} closed the connection without answering the IVR ping: "
            "is it the IVR interface?"
        )
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("op") != "pong":
        seen = raw[:40].decode("utf-8", "replace").strip()
        raise ProviderError(
            f"something at {host}:{port} answered {seen!r}, not an IVR pong: "
            "is it the IVR interface, on the right port?"
        )
    return time.monotonic() - started
