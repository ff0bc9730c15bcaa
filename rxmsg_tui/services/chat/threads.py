"""Conversations newest first, one thread's lines with their queue status, and reading them.

A thread is the store and a phone number (see `ConversationMessage`). An
inbound text flagged for staff (ambiguous, e.g. "can you stop the refill?")
keeps its thread flagged until staff answer it. The screen asks `chat_mark`
every two seconds: one index lookup, so only a change reads the list again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, desc, func, select, update
from sqlmodel import Session

from rxmsg_tui.domain.contact import InvalidContact, normalise_phone
from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.chat.household import ChatPatient, household_name, households
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import ConversationMessage, OutboundMessage, Patient

__all__ = [
    "ChatLine",
    "ChatMark",
    "ChatPatient",
    "Conversation",
    "Thread",
    "chat_mark",
    "find_thread",
    "list_conversations",
    "mark_read",
    "read_thread",
]

CONVERSATIONS_SHOWN = 200
LINES_SHOWN = 200

ChatMark = tuple[datetime, int] | None
"""The newest line of the store (time, id): when it changes, there is something new."""

_lines = table(ConversationMessage)
_queue = table(OutboundMessage)


@dataclass(frozen=True)
class Conversation:
    phone: str
    last_at: datetime
    last_body: str
    last_direction: str
    unread: int
    needs_staff: bool
    """An inbound text flagged for a person, not answered since."""
    patients: tuple[ChatPatient, ...]

    @property
    def name(self) -> str:
        return household_name(self.patients)

    @property
    def opted_out(self) -> bool:
        """Someone on this number texted STOP: Send is refused for them."""
        return any(p.opted_out for p in self.patients)


@dataclass(frozen=True)
class ChatLine:
    id: int
    direction: str
    """`in` from the patient, `out` from the pharmacy."""
    at: datetime
    body: str
    keyword: str
    needs_staff: bool
    status: str
    """An outbound line's queue status as the queue shows it (`Pending`, `Sent?`…), else empty."""
    warning: str
    unread: bool


@dataclass(frozen=True)
class Thread:
    phone: str
    patients: tuple[ChatPatient, ...]
    lines: tuple[ChatLine, ...]

    @property
    def name(self) -> str:
        return household_name(self.patients)

    @property
    def opted_out(self) -> bool:
        return any(p.opted_out for p in self.patients)

    @property
    def needs_staff(self) -> bool:
        return _waiting_for_staff(self.lines)


def chat_mark(db: Database, store_id: int) -> ChatMark:
    """The newest line's time and id: cheap enough to ask every two seconds."""
    query = (
        select(_lines.c.at, _lines.c.id)
        .where(_lines.c.store_id == store_id)
        .order_by(_lines.c.at.desc(), _lines.c.id.desc())
        .limit(1)
    )
    with db.read() as session:
        row = session.connection().execute(query).first()
    return None if row is None else (row[0], row[1])


def list_conversations(
    db: Database, store_id: int, *, unread_only: bool = False, limit: int = CONVERSATIONS_SHOWN
) -> list[Conversation]:
    """The threads, newest first, with unread counts, the household and its marks."""
    unread = func.sum(case((_is_unread(), 1), else_=0))
    flagged = and_(_lines.c.direction == "in", _lines.c.needs_staff.is_(True))
    query = (
        select(
            _lines.c.phone,
            func.max(_lines.c.at).label("last_at"),
            unread.label("unread"),
            func.max(case((flagged, _lines.c.at))).label("flag_at"),
            func.max(case((_lines.c.direction == "out", _lines.c.at))).label("out_at"),
        )
        .where(_lines.c.store_id == store_id)
        .group_by(_lines.c.phone)
        .order_by(desc("last_at"), _lines.c.phone)
        .limit(limit)
    )
    if unread_only:
        query = query.having(unread > 0)
    with db.read() as session:
        groups = list(session.connection().execute(query))
        if not groups:
            return []
        last = _last_lines(session, store_id, [(g.phone, g.last_at) for g in groups])
        people = households(session, store_id, [g.phone for g in groups])
    return [
        Conversation(
            phone=g.phone,
            last_at=g.last_at,
            last_body=last.get(g.phone, ("", ""))[0],
            last_direction=last.get(g.phone, ("", ""))[1],
            unread=int(g.unread or 0),
            needs_staff=g.flag_at is not None and (g.out_at is None or g.flag_at > g.out_at),
            patients=people.get(g.phone, ()),
        )
        for g in groups
    ]


def read_thread(db: Database, store_id: int, phone: str, *, limit: int = LINES_SHOWN) -> Thread:
    """The latest lines of one number, oldest first, each outbound with its queue status."""
    query = (
        select(
            _lines.c.id,
            _lines.c.direction,
            _lines.c.at,
            _lines.c.body,
            _lines.c.keyword,
            _lines.c.needs_staff,
            _lines.c.read_at,
            _queue.c.status,
            _queue.c.warning,
        )
        .select_from(_lines.outerjoin(_queue, _queue.c.id == _lines.c.outbound_message_id))
        .where(_lines.c.store_id == store_id, _lines.c.phone == phone)
        .order_by(_lines.c.at.desc(), _lines.c.id.desc())
        .limit(limit)
    )
    with db.read() as session:
        rows = list(session.connection().execute(query))
        people = households(session, store_id, [phone]).get(phone, ())
    lines = tuple(_line(row) for row in reversed(rows))
    return Thread(phone, people, lines)


def mark_read(db: Database, store_id: int, phone: str, *, now: datetime) -> int:
    """Staff have seen the thread: its unread inbound lines are read now. Returns how many."""
    with db.transaction() as session:
        return mark_unread_as_read(session, store_id, phone, now=now)


def mark_unread_as_read(session: Session, store_id: int, phone: str, *, now: datetime) -> int:
    """`mark_read` inside the caller's transaction (a reply reads the thread too)."""
    done: Any = session.connection().execute(
        update(_lines)
        .where(_lines.c.store_id == store_id, _lines.c.phone == phone, _is_unread())
        .values(read_at=now)
    )
    return int(done.rowcount or 0)


def find_thread(db: Database, store_id: int, key: str) -> str:
    """The phone number of a thread named by a patient ID or by the number itself."""
    key = key.strip()
    if not key:
        raise InvalidInput("give a patient ID or a phone number")
    with db.read() as session:
        patients = table(Patient)
        query = select(patients.c.cell_phone, patients.c.first_name, patients.c.last_name).where(
            patients.c.store_id == store_id, patients.c.patient_id == key
        )
        found = session.connection().execute(query).first()
    if found is not None:
        cell, first, last = found
        if not cell:
            raise InvalidInput(f"{first} {last} ({key}) has no cell phone, so no text chat")
        try:
            return normalise_phone(cell)
        except InvalidContact as exc:
            raise InvalidInput(f"{first} {last} ({key}) has a cell phone that is {exc}") from None
    try:
        return normalise_phone(key)
    except InvalidContact:
        raise NotFound(f"no patient with ID {key!r}, and it is not a phone number") from None


def _is_unread() -> Any:
    return and_(_lines.c.direction == "in", _lines.c.read_at.is_(None))


def _last_lines(
    session: Session, store_id: int, newest: list[tuple[str, datetime]]
) -> dict[str, tuple[str, str]]:
    """Each thread's newest body and direction: one index lookup per thread shown.

    One statement with an OR per thread is far slower on SQLite (it scans);
    a lookup on `ix_conversation_phone` is a fraction of a millisecond each.
    """
    found: dict[str, tuple[str, str]] = {}
    for phone, _at in newest:
        query = (
            select(_lines.c.body, _lines.c.direction)
            .where(_lines.c.store_id == store_id, _lines.c.phone == phone)
            .order_by(_lines.c.at.desc(), _lines.c.id.desc())
            .limit(1)
        )
        row = session.connection().execute(query).first()
        if row is not None:
            found[phone] = (row[0], row[1])
    return found


def _line(row: Any) -> ChatLine:
    status = QueueStatus(row.status).label if row.status else ""
    return ChatLine(
        id=row.id,
        direction=row.direction,
        at=row.at,
        body=row.body,
        keyword=row.keyword or "",
        needs_staff=bool(row.needs_staff),
        status=status,
        warning=row.warning or "",
        unread=row.direction == "in" and row.read_at is None,
    )


def _waiting_for_staff(lines: tuple[ChatLine, ...]) -> bool:
    for line in reversed(lines):
        if line.direction == "out":
            return False
        if line.needs_staff:
            return True
    return False
