"""Reads the Outbound Messaging Queue a page at a time (keyset on time and id), never all of it.

A page is read as plain columns with the patient joined (no ORM objects): the
screen asks for one on every few keys and must paint it within a frame or two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_
from sqlalchemy import select as core_select
from sqlmodel import col, select

from rxmsg_tui.domain.vocabulary import AlertType, Entity, Method, Priority, QueueStatus
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Patient

PAGE_SIZE = 200


@dataclass(frozen=True)
class QueueFilter:
    """The Queue screen's criteria; dates are calendar days at the store."""

    date_from: date | None = None
    date_to: date | None = None
    status: QueueStatus | None = None
    method: Method | None = None
    alert_type: AlertType | None = None
    group_send_id: int | None = None
    """Only the messages of one group send (the wizard's Send to Message Queue)."""


@dataclass(frozen=True)
class QueueRow:
    id: int
    created_at: datetime
    scheduled_at: datetime
    method: str
    alert_type: str
    priority: str
    entity: str
    entity_name: str
    recipient: str
    subject: str
    body: str
    status: str
    warning: str
    attempts: int
    sent_at: datetime | None

    @property
    def key(self) -> tuple[datetime, int]:
        return (self.scheduled_at, self.id)

    def as_json(self) -> dict[str, Any]:
        """The stable fields of DESIGN.md §7, times in ISO 8601."""
        data = dict(self.__dict__)
        for name in ("created_at", "scheduled_at", "sent_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data


@dataclass(frozen=True)
class ListedRow(QueueRow):
    """A row of the listing, with the patient it is for (blank when none is on file).

    An Rx message is named `Rx <number>`; staff also need to know whose it is.
    """

    patient_id: str = ""
    """The pharmacy system's patient ID."""
    patient_name: str = ""

    @property
    def who(self) -> str:
        """The Entity Name, with the patient's name after an Rx number: `Rx 1000129 · Ana Diaz`."""
        if self.entity == Entity.PRESCRIPTION.value and self.patient_name:
            return f"{self.entity_name} · {self.patient_name}"
        return self.entity_name


M = OutboundMessage
_LISTED = tuple(
    col(column)
    for column in (
        M.id, M.created_at, M.scheduled_at, M.method, M.alert_type, M.priority, M.entity,
        M.entity_name, M.recipient, M.subject, M.body, M.status, M.warning, M.attempts,
        M.sent_at, Patient.patient_id, Patient.first_name, Patient.last_name,
    )
)  # fmt: skip
_PRIORITY = {int(p): p.label for p in Priority}


def _listing(
    store_id: int,
    criteria: QueueFilter,
    zone: ZoneInfo,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """The rows of one store that match, each with its patient (an outer join: some have none).

    `since` and `until` bound the time to a page's anchor (see `_conditions`).
    """
    query: Select[Any] = (
        core_select(*_LISTED)  # type: ignore[assignment]  # 18 columns: past the typed overloads
        .select_from(M)
        .outerjoin(Patient, col(Patient.id) == col(M.patient_id))
        .where(col(M.store_id) == store_id)
    )
    for condition in _conditions(criteria, zone, since=since, until=until):
        query = query.where(condition)
    return query


def _listed(values: Any) -> ListedRow:
    """One result row as a ListedRow; the only per-row work a page costs."""
    (id_, created, scheduled, method, alert, priority, entity, entity_name, recipient, subject,
     body, status, warning, attempts, sent, patient_id, first, last) = values  # fmt: skip
    if alert == AlertType.VERIFICATION.value:
        body = _CODE.sub(HIDDEN_CODE, body)
    return ListedRow(
        id_, created, scheduled, method, alert, _PRIORITY.get(priority, str(priority)), entity,
        entity_name, recipient, subject, body, status, warning, attempts, sent,
        patient_id or "", f"{first or ''} {last or ''}".strip(),
    )  # fmt: skip


def _read(db: Database, query: Select[Any]) -> list[ListedRow]:
    with db.read() as session:
        return [_listed(values) for values in session.connection().execute(query)]


def queue_page(
    db: Database,
    store_id: int,
    zone: ZoneInfo,
    criteria: QueueFilter,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[ListedRow]:
    """Up to `limit` rows after `after`, in the order they go out (time, then id)."""
    query = _listing(store_id, criteria, zone, since=after[0] if after else None)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                col(OutboundMessage.scheduled_at) > at,
                and_(col(OutboundMessage.scheduled_at) == at, col(OutboundMessage.id) > last_id),
            )
        )
    query = query.order_by(col(OutboundMessage.scheduled_at), col(OutboundMessage.id)).limit(limit)
    return _read(db, query)


def iter_queue(
    db: Database, store_id: int, zone: ZoneInfo, criteria: QueueFilter
) -> Iterator[ListedRow]:
    """Every matching row, fetched page by page so a large queue streams."""
    after: tuple[datetime, int] | None = None
    while True:
        page = queue_page(db, store_id, zone, criteria, after=after)
        yield from page
        if len(page) < PAGE_SIZE:
            return
        after = page[-1].key


def queue_page_before(
    db: Database,
    store_id: int,
    zone: ZoneInfo,
    criteria: QueueFilter,
    *,
    before: tuple[datetime, int] | None,
    limit: int = PAGE_SIZE,
) -> list[ListedRow]:
    """Up to `limit` rows just before `before` (the last rows when None), in queue order."""
    query = _listing(store_id, criteria, zone, until=before[0] if before else None)
    if before is not None:
        at, first_id = before
        query = query.where(
            or_(
                col(OutboundMessage.scheduled_at) < at,
                and_(col(OutboundMessage.scheduled_at) == at, col(OutboundMessage.id) < first_id),
            )
        )
    query = query.order_by(
        col(OutboundMessage.scheduled_at).desc(), col(OutboundMessage.id).desc()
    ).limit(limit)
    rows = _read(db, query)
    rows.reverse()
    return rows


def read_page(
    db: Database,
    store_id: int,
    zone: ZoneInfo,
    criteria: QueueFilter,
    *,
    anchor: tuple[datetime, int] | None,
    backwards: bool = False,
    limit: int = PAGE_SIZE,
) -> tuple[list[ListedRow], bool]:
    """Up to `limit` rows after `anchor` (before it, backwards), and whether more lie beyond.

    One row more than asked for is read to know the answer without a count.
    """
    if backwards:
        rows = queue_page_before(db, store_id, zone, criteria, before=anchor, limit=limit + 1)
        return rows[-limit:], len(rows) > limit
    rows = queue_page(db, store_id, zone, criteria, after=anchor, limit=limit + 1)
    return rows[:limit], len(rows) > limit


def patient_of(db: Database, store_id: int, message_id: int) -> tuple[str, str] | None:
    """The patient a message is for, as (pharmacy patient ID, name); None when none is on file."""
    query = (
        core_select(col(Patient.patient_id), col(Patient.first_name), col(Patient.last_name))
        .select_from(M)
        .join(Patient, col(Patient.id) == col(M.patient_id))
        .where(col(M.id) == message_id, col(M.store_id) == store_id)
    )
    with db.read() as session:
        found = session.connection().execute(query).first()
    if found is None:
        return None
    patient_id, first, last = found
    return patient_id, f"{first} {last}".strip()


def count_queue(db: Database, store_id: int, zone: ZoneInfo, criteria: QueueFilter) -> int:
    """How many messages match, for the screen's status line and nothing that pages."""
    query = (
        select(func.count())
        .select_from(OutboundMessage)
        .where(OutboundMessage.store_id == store_id)
    )
    for condition in _conditions(criteria, zone):
        query = query.where(condition)
    with db.read() as session:
        return int(session.exec(query).one())


def _conditions(
    criteria: QueueFilter,
    zone: ZoneInfo,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Any]:
    """The criteria as WHERE terms; `since`/`until` (inclusive) narrow the time to an anchor.

    SQLite walks the (store, time, id) index between one lower and one upper
    bound. A page's keyset term is an OR it cannot bound by, so the anchor's
    time is given as a plain bound, and only where it is tighter than the
    day's: with two bounds on one side SQLite may take the day's and walk the
    whole day (or, with blank dates, the whole store, 1.5 s a page near the end
    of a million messages) before the anchor.
    """
    conditions: list[Any] = []
    at = col(OutboundMessage.scheduled_at)
    start = end = None
    if criteria.date_from is not None:
        start = datetime.combine(criteria.date_from, time(0), zone)
    if criteria.date_to is not None:
        end = datetime.combine(criteria.date_to + timedelta(days=1), time(0), zone)
    if since is not None and (start is None or since >= start):
        conditions.append(at >= since)
    elif start is not None:
        conditions.append(at >= start)
    if until is not None and (end is None or until < end):
        conditions.append(at <= until)
    elif end is not None:
        conditions.append(at < end)
    if criteria.status is None:
        conditions.append(OutboundMessage.status != QueueStatus.DELETED.value)
    else:
        conditions.append(OutboundMessage.status == criteria.status.value)
    if criteria.method is not None:
        conditions.append(OutboundMessage.method == criteria.method.value)
    if criteria.alert_type is not None:
        conditions.append(OutboundMessage.alert_type == criteria.alert_type.value)
    if criteria.group_send_id is not None:
        conditions.append(OutboundMessage.group_send_id == criteria.group_send_id)
    return conditions


def queue_row(m: OutboundMessage) -> QueueRow:
    """A queue row as screens and reports show it (priority by name)."""
    assert m.id is not None
    return QueueRow(
        id=m.id,
        created_at=m.created_at,
        scheduled_at=m.scheduled_at,
        method=m.method,
        alert_type=m.alert_type,
        priority=Priority(m.priority).label,
        entity=m.entity,
        entity_name=m.entity_name,
        recipient=m.recipient,
        subject=m.subject,
        body=_without_code(m) if m.alert_type == AlertType.VERIFICATION else m.body,
        status=m.status,
        warning=m.warning,
        attempts=m.attempts,
        sent_at=m.sent_at,
    )


_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
HIDDEN_CODE = "******"


def _without_code(m: OutboundMessage) -> str:
    """A verification code is for the patient to read back: staff never see it in the queue."""
    return _CODE.sub(HIDDEN_CODE, m.body)
