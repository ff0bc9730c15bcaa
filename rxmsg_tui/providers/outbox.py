"""The default provider when no credentials are set: every message becomes a file in the outbox.

Replies come the same way: text files dropped into `DATA_DIR/inbox/` (a
`From: +1…` line, any other headers, a blank line, the body) are read by the
inbound poll and moved to `inbox/read/` once stored, so two-way texting works
offline and in the demo.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.policy import default as default_policy
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from rxmsg_tui.domain.contact import InvalidContact, normalise_phone
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
INBOX_DIRNAME = "inbox"
READ_DIRNAME = "read"
REJECTED_DIRNAME = "rejected"
MAX_INBOX_FILE = 64 * 1024
"""A text message is at most a few kilobytes; anything bigger is the wrong file."""
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
        inbox: Path | None = None,
    ) -> None:
        self.directory = directory
        self.inbox = inbox or directory.parent / INBOX_DIRNAME
        """Replies dropped as files; beside the outbox (`DATA_DIR/inbox`) unless given."""
        self._unacknowledged: dict[str, Path] = {}
        self._rejected: list[str] = []
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
        """Every reply file in the inbox, oldest first; `since` does not apply to a folder.

        A file stays in the inbox until `acknowledge` moves it, so a reply is
        read again (and recognised by its id) until it is safely stored. A file
        that cannot be read as a reply is moved to `inbox/rejected/` at once and
        named by `take_rejected`; it never stops the others being read. Files
        whose name starts with a dot are being written and are left alone.
        """
        found: list[InboundSms] = []
        with self._lock:
            try:
                names = sorted(
                    entry.name
                    for entry in os.scandir(self.inbox)
                    if entry.is_file() and entry.name.endswith(".txt")
                    and not entry.name.startswith(".")
                )  # fmt: skip
            except FileNotFoundError:
                return []
            except OSError as exc:
                raise TransientError(f"Could not read the inbox: {exc.strerror or exc}") from exc
            for name in names:
                path = self.inbox / name
                try:
                    sms = _read_reply(path)
                except FileNotFoundError:
                    continue  # taken by another reader meanwhile
                except (OSError, ValueError) as exc:
                    reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                    self._reject(path, reason or "unreadable")
                    continue
                self._unacknowledged[sms.provider_message_id] = path
                found.append(sms)
        return sorted(found, key=lambda sms: (sms.received_at, sms.provider_message_id))

    def acknowledge(self, provider_message_ids: Sequence[str]) -> None:
        """Move the files of stored replies to `inbox/read/`; one already gone is skipped."""
        with self._lock:
            for message_id in provider_message_ids:
                path = self._unacknowledged.pop(message_id, None)
                if path is None:
                    continue
                try:
                    _move_into(path, self.inbox / READ_DIRNAME)
                except FileNotFoundError:
                    continue
                except OSError as exc:  # read again next time: a duplicate, not a loss
                    log.warning("inbox file %s stays in the inbox: %s", path.name, exc.strerror)

    def take_rejected(self) -> list[str]:
        with self._lock:
            rejected, self._rejected = self._rejected, []
        return rejected

    def _reject(self, path: Path, reason: str) -> None:
        log.warning("inbox file %s rejected: %s", path.name, reason)
        try:
            _move_into(path, self.inbox / REJECTED_DIRNAME)
            where = f"moved to {INBOX_DIRNAME}/{REJECTED_DIRNAME}/"
        except OSError as exc:
            where = f"left in the inbox ({exc.strerror or exc})"
        self._rejected.append(f"{path.name}: {reason}; {where}")

    def close(self) -> None:
        """Every file is complete and closed when send returns."""


def _read_reply(path: Path) -> InboundSms:
    """One reply file: headers (`From:` required), a blank line, the body.

    Raises ValueError naming what is wrong, in words for the log and the command.
    """
    with path.open("rb") as handle:
        data = handle.read(MAX_INBOX_FILE + 1)
        modified = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, UTC)
    if len(data) > MAX_INBOX_FILE:
        raise ValueError(f"larger than {MAX_INBOX_FILE // 1024} KB; not a text message")
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    head, blank, body = text.partition("\n\n")
    if not blank:
        raise ValueError("no blank line between the From: line and the message")
    headers: dict[str, str] = {}
    for line in head.split("\n"):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"header line {line[:40]!r} is not `Name: value`")
        headers.setdefault(name.strip().lower(), value.strip())
    if "from" not in headers:
        raise ValueError("no From: line")
    try:
        sender = normalise_phone(headers["from"])
    except InvalidContact as exc:
        raise ValueError(f"From: is not a phone number ({exc})") from None
    body = body.rstrip("\n")
    if not body.strip():
        raise ValueError("the message is empty")
    digest = hashlib.sha256(data).hexdigest()[:16]
    return InboundSms(
        provider_message_id=f"inbox:{path.stem[:80]}:{digest}",
        from_number=sender,
        to_number=headers.get("to", ""),
        body=body,
        received_at=_header_date(headers.get("date")) or modified,
    )


def _header_date(value: str | None) -> datetime | None:
    """A `Date:` header as RFC 2822 or ISO 8601; None when absent or unreadable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _move_into(path: Path, folder: Path) -> None:
    """Move a file into `folder`, never over another file of the same name."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target, number = folder / path.name, 1
    while target.exists():
        number += 1
        target = folder / f"{path.stem}-{number}{path.suffix}"
    os.replace(path, target)


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
