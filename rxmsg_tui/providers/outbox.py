"""The default provider when no credentials are set: every message becomes a file in the outbox."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    SendResult,
    SentRecord,
    TransientError,
)
from rxmsg_tui.providers.email_message import build_email

log = logging.getLogger(__name__)

OUTBOX_DIRNAME = "outbox"
DEFAULT_FROM = "rxmsg@localhost"
_SAFE_UUID = re.compile(r"[A-Za-z0-9-]{1,64}")


class OutboxProvider:
    """Writes `.eml` for email and `.txt` for SMS and calls, so rxmsg works fully offline.

    Each file is written to a hidden temporary name and renamed into place,
    so a reader (or a crash) never sees half a message. Sending the same UUID
    again finds the file already there and writes nothing.
    """

    name = "outbox"

    def __init__(
        self,
        directory: Path,
        *,
        from_address: str | None = None,
        from_name: str | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.directory = directory
        self.from_address = from_address or DEFAULT_FROM
        self.from_name = from_name
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._written: dict[str, str] | None = None
        self._scanned_mtime: int | None = None

    def __repr__(self) -> str:
        return f"OutboxProvider(directory={str(self.directory)!r})"

    def send(self, message: OutgoingMessage) -> SendResult:
        if not _SAFE_UUID.fullmatch(message.uuid):
            raise PermanentError("The message id cannot be used in a file name")
        with self._lock:
            existing = self._find(message.uuid)
            if existing is not None:
                return SendResult(existing, None, f"already in the outbox as {existing}")
            when = self._now().astimezone(UTC)
            suffix = ".eml" if message.method is Method.EMAIL else ".txt"
            filename = f"{when:%Y%m%dT%H%M%S%fZ}-{message.uuid}{suffix}"
            try:
                self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                _write_atomically(self.directory / filename, self._render(message, when))
                self._scanned_mtime = self.directory.stat().st_mtime_ns
            except OSError as exc:
                raise TransientError(
                    f"Could not write to the outbox: {exc.strerror or exc}"
                ) from exc
            assert self._written is not None
            self._written[message.uuid] = filename
        log.info("message %s written to the outbox as %s", message.uuid, filename)
        return SendResult(filename, None, f"written to the outbox as {filename}")

    def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SentRecord]:
        """The file named by the message's UUID, if one was written: the rename is atomic,
        so after a crash a message is either wholly in the outbox or not at all."""
        if not _SAFE_UUID.fullmatch(message.uuid):
            return []
        with self._lock:
            self._written = None  # another process may have written it: look again
            existing = self._find(message.uuid)
        return [SentRecord(existing)] if existing is not None else []

    def _find(self, uuid: str) -> str | None:
        """Look the UUID up in an index of the directory, rescanned only when others wrote to it."""
        try:
            mtime: int | None = self.directory.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if self._written is None or (uuid not in self._written and mtime != self._scanned_mtime):
            self._written = _scan(self.directory)
            self._scanned_mtime = mtime
        return self._written.get(uuid)

    def _render(self, message: OutgoingMessage, when: datetime) -> bytes:
        if message.method is Method.EMAIL:
            email = build_email(
                message, from_address=self.from_address, from_name=self.from_name, sent_at=when
            )
            return email.as_bytes(policy=default_policy)
        lines = [f"Method: {message.method}", f"To: {message.to}"]
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        lines += [f"Message-Id: {message.uuid}", f"Date: {format_datetime(when)}", "", message.body]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def status(self, provider_message_id: str) -> DeliveryStatus:
        """A file in the outbox is as far as this provider goes."""
        return DeliveryStatus.SENT

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        return []

    def close(self) -> None:
        """Every file is complete and closed when send returns."""


def _scan(directory: Path) -> dict[str, str]:
    """UUID → file name of every finished message; hidden temporaries are ignored."""
    written: dict[str, str] = {}
    with contextlib.suppress(FileNotFoundError), os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(".") or "-" not in entry.name:
                continue
            uuid = entry.name.split("-", 1)[1].rsplit(".", 1)[0]
            written.setdefault(uuid, entry.name)
    return written


def _write_atomically(path: Path, data: bytes) -> None:
    """Temporary file (created 0600), fsync, rename, fsync the directory."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)
