"""STOP and START applied to the consent ledger in the transaction that stores the text.

STOP (a keyword or a revocation in plain words) withdraws SMS consent for both
purposes for every patient with the sender's cell, source `sms-keyword`, the
inbound line as evidence. START/UNSTOP/YES gives back exactly what the STOP
took: the purposes that were granted just before it. Marketing is restored
only when it had been granted (in writing, at the counter or on the pad)
before the STOP: a START is the patient taking back a revocation, never new
marketing consent. A patient who had no SMS consent before texting STOP gets
transactional SMS on START, since asking by text to hear from the pharmacy
again is the patient's own express request; marketing stays off.
HELP changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, ConsentSource
from rxmsg_tui.services.consent_state import consent_states
from rxmsg_tui.storage.models import Consent, ConversationMessage, Patient

PURPOSES = (ConsentPurpose.TRANSACTIONAL.value, ConsentPurpose.MARKETING.value)
LEDGER_USERNAME = ""
"""Nobody at the pharmacy recorded it: the source `sms-keyword` says the patient did."""


def evidence(line_id: int) -> str:
    """What the ledger row points at: the stored inbound text."""
    return f"inbound:{line_id}"


def apply_stop(
    session: Session, store_id: int, patients: Sequence[Patient], line_id: int, *, now: datetime
) -> bool:
    """Withdraw SMS for every patient not already out; True when anyone was still in."""
    states = consent_states(session, _pks(patients))
    changed = False
    for pk in _pks(patients):
        state = states.get(pk)
        if state is not None and state.sms_opted_out:
            continue  # a second STOP changes nothing and gets no second answer
        for purpose in PURPOSES:
            session.add(_row(store_id, pk, purpose, granted=False, line_id=line_id, now=now))
        changed = True
    session.flush()
    return changed


def apply_start(
    session: Session, store_id: int, patients: Sequence[Patient], line_id: int, *, now: datetime
) -> bool:
    """Give SMS back to every patient who texted STOP; True when anyone was opted back in."""
    pks = _pks(patients)
    states = consent_states(session, pks)
    before = _granted_before_stop(session, pks)
    changed = False
    for pk in pks:
        state = states.get(pk)
        if state is None or not state.sms_opted_out:
            continue
        restore = before.get(pk) or {ConsentPurpose.TRANSACTIONAL.value}
        for purpose in PURPOSES:
            if purpose in restore:
                session.add(_row(store_id, pk, purpose, granted=True, line_id=line_id, now=now))
        changed = True
    session.flush()
    return changed


def unknown_sender_is_out(session: Session, store_id: int, line: ConversationMessage) -> bool:
    """Whether a number no patient has already texted STOP (and no START since).

    Without a patient there is no ledger, so the thread itself is the record:
    its latest STOP or START before this line decides (texts stored in the same
    poll but received later do not count).
    """
    at, line_id = line.at, line.id
    query = (
        select(ConversationMessage.keyword)
        .where(
            ConversationMessage.store_id == store_id,
            ConversationMessage.phone == line.phone,
            ConversationMessage.direction == "in",
            col(ConversationMessage.keyword).in_(["stop", "start"]),
            or_(
                col(ConversationMessage.at) < at,
                and_(col(ConversationMessage.at) == at, col(ConversationMessage.id) < line_id),
            ),
        )
        .order_by(col(ConversationMessage.at).desc(), col(ConversationMessage.id).desc())
        .limit(1)
    )
    return session.exec(query).first() == "stop"


def _granted_before_stop(session: Session, pks: list[int]) -> dict[int, set[str]]:
    """Per patient, the SMS purposes granted just before the latest run of STOP rows."""
    query = (
        select(Consent)
        .where(col(Consent.patient_id).in_(pks), Consent.channel == Channel.SMS.value)
        .order_by(col(Consent.patient_id), col(Consent.recorded_at), col(Consent.id))
    )
    granted: dict[int, set[str]] = {}
    before: dict[int, set[str]] = {}
    stopped: dict[int, bool] = {}
    for row in session.exec(query):
        now_granted = granted.setdefault(row.patient_id, set())
        is_stop = not row.granted and row.source == ConsentSource.SMS_KEYWORD.value
        if is_stop and not stopped.get(row.patient_id):
            before[row.patient_id] = set(now_granted)
        stopped[row.patient_id] = is_stop
        if row.granted:
            now_granted.add(row.purpose)
        else:
            now_granted.discard(row.purpose)
    return before


def _row(
    store_id: int, pk: int, purpose: str, *, granted: bool, line_id: int, now: datetime
) -> Consent:
    return Consent(
        store_id=store_id,
        patient_id=pk,
        channel=Channel.SMS.value,
        purpose=purpose,
        granted=granted,
        source=ConsentSource.SMS_KEYWORD.value,
        evidence=evidence(line_id),
        username=LEDGER_USERNAME,
        recorded_at=now,
    )


def _pks(patients: Sequence[Patient]) -> list[int]:
    return [p.id for p in patients if p.id is not None]
