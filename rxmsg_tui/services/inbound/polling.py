"""Reading inbound texts: from the stored high-water mark, stored once, keywords applied at once.

A STOP counts from the moment the poll that read it commits: the consent
ledger changes in the same transaction as the text is stored, so the next
dispatch batch already sees the patient as opted out. The cursor moves in that
transaction too, so a crash before the commit leaves the cursor where it was
and the next poll reads the same messages again (recognised by id).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from rxmsg_tui.domain.inbound_keywords import ReplyKind
from rxmsg_tui.providers.base import InboundSms, KeepsInbound, Provider
from rxmsg_tui.services.errors import NotFound
from rxmsg_tui.services.inbound.answers import queue_answer
from rxmsg_tui.services.inbound.keywords import apply_start, apply_stop, unknown_sender_is_out
from rxmsg_tui.services.inbound.report import InboundReport
from rxmsg_tui.services.inbound.storing import Arrival, store_arrivals
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import InboundCursor, Store

log = logging.getLogger("rxmsg.inbound")

OVERLAP = timedelta(minutes=2)
"""Each poll asks again from a little before the high-water mark: a text the carrier
stamped a moment earlier but listed late is still read (and one seen already is a duplicate)."""
FIRST_LOOKBACK = timedelta(days=1)
"""The first poll at a provider reads one day back, not the number's whole history:
years-old STOPs and HELPs must not be answered today."""


def record_inbound(
    db: Database,
    store_id: int,
    messages: Sequence[InboundSms],
    *,
    provider: str,
    now: datetime,
) -> InboundReport:
    """Store each message once, match patients by cell (E.164; all patients sharing it),
    apply keywords in the same transaction."""
    with db.transaction() as session:
        return _record(session, store_id, messages, provider=provider, now=now)


def poll_inbound(db: Database, store_id: int, source: Provider, *, now: datetime) -> InboundReport:
    """Read from the stored high-water mark (with a small overlap, deduped by id), record,
    then advance the cursor.

    A provider failure (ProviderError) is raised before anything is stored, so
    the next poll asks for the same messages again.
    """
    with db.read() as session:
        high_water = session.exec(_cursor(store_id, source.name)).first()
    since = (high_water.high_water if high_water else None) or now - FIRST_LOOKBACK + OVERLAP
    messages = source.poll_inbound(since - OVERLAP)
    rejected = source.take_rejected() if isinstance(source, KeepsInbound) else []
    with db.transaction() as session:
        report = _record(session, store_id, messages, provider=source.name, now=now)
        newest = max((sms.received_at for sms in messages), default=None)
        _advance(session, store_id, source.name, newest, now=now)
    if isinstance(source, KeepsInbound):
        source.acknowledge([sms.provider_message_id for sms in messages])
    if report.stored or rejected:
        log.info("inbound store %s via %s: %s", store_id, source.name, report.line())
    return replace(report, problems=tuple(rejected))


def _record(
    session: Session,
    store_id: int,
    messages: Sequence[InboundSms],
    *,
    provider: str,
    now: datetime,
) -> InboundReport:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"store {store_id} does not exist")
    ordered = sorted(messages, key=lambda sms: sms.received_at)
    stored = store_arrivals(session, store_id, ordered, provider=provider)
    counts = {"stops": 0, "starts": 0, "helps": 0, "flagged": 0, "answers_queued": 0}
    for arrival in stored.arrivals:
        kind = arrival.reading.kind
        counts["flagged"] += arrival.reading.needs_staff
        if kind is ReplyKind.NONE:
            continue
        counts[{"stop": "stops", "start": "starts", "help": "helps"}[kind.value]] += 1
        if _answer_due(session, store_id, arrival, kind, now=now):
            queued = queue_answer(session, store, arrival, kind, now=now)
            counts["answers_queued"] += queued is not None
    return InboundReport(
        read=len(messages),
        stored=len(stored.arrivals),
        duplicates=stored.duplicates,
        stops=counts["stops"],
        starts=counts["starts"],
        helps=counts["helps"],
        flagged=counts["flagged"],
        unknown_senders=sum(1 for a in stored.arrivals if not a.patients),
        answers_queued=counts["answers_queued"],
    )


def _answer_due(
    session: Session, store_id: int, arrival: Arrival, kind: ReplyKind, *, now: datetime
) -> bool:
    """Apply the keyword; True when it earns an answer.

    STOP: answered unless the number was already out (every patient with it
    had texted STOP; for a number no patient has, its thread's last keyword
    was STOP), so a patient who texts STOP twice hears back once. START:
    answered when it opted someone back in; a number no patient has has
    nothing to restart. HELP: always answered, patient or not, with the
    store's name and phone only.
    """
    line_id = arrival.line_id
    if kind is ReplyKind.STOP:
        if not arrival.patients:
            return not unknown_sender_is_out(session, store_id, arrival.line)
        return apply_stop(session, store_id, arrival.patients, line_id, now=now)
    if kind is ReplyKind.START:
        return bool(arrival.patients) and apply_start(
            session, store_id, arrival.patients, line_id, now=now
        )
    return kind is ReplyKind.HELP


def _cursor(store_id: int, provider: str) -> SelectOfScalar[InboundCursor]:
    return select(InboundCursor).where(
        InboundCursor.store_id == store_id, InboundCursor.provider == provider
    )


def _advance(
    session: Session, store_id: int, provider: str, newest: datetime | None, *, now: datetime
) -> None:
    """Move the high-water mark to the newest text read; it never moves back."""
    cursor = session.exec(_cursor(store_id, provider).with_for_update()).first()
    if cursor is None:
        try:
            with session.begin_nested():
                session.add(
                    InboundCursor(
                        store_id=store_id, provider=provider, high_water=newest, updated_at=now
                    )
                )
            return
        except IntegrityError:  # created by another poller meanwhile
            cursor = session.exec(_cursor(store_id, provider).with_for_update()).one()
    if newest is not None and (cursor.high_water is None or newest > cursor.high_water):
        cursor.high_water = newest
    cursor.updated_at = now
    session.add(cursor)
