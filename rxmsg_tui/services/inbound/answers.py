"""The one answer to a STOP, START or HELP text, queued with the text that asked for it.

The answer is an SMS in the queue (`keyword_reply`, High priority, alert type
General) that the dispatcher sends at once, whatever the window, the 21:00
floor or the consent state: it is the one text allowed to answer any time the
patient writes. Its dedupe key names the inbound line, so it can never be
queued twice. A line in the conversation shows it in the chat thread.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rxmsg_tui.domain.inbound_keywords import ReplyKind, keyword_answer
from rxmsg_tui.domain.vocabulary import (
    AlertType,
    Entity,
    Language,
    Method,
    Priority,
    QueueStatus,
)
from rxmsg_tui.services.dedupe_keys import keyword_answer_key
from rxmsg_tui.services.inbound.storing import OUT, Arrival
from rxmsg_tui.storage.models import ConversationMessage, OutboundMessage, Patient, Store

UNKNOWN_SENDER = "Unknown sender"
_NAME_MAX = 120


def queue_answer(
    session: Session, store: Store, arrival: Arrival, kind: ReplyKind, *, now: datetime
) -> OutboundMessage | None:
    """Queue the answer to `arrival` unless one is queued already; None then, or when the
    sender is not a phone number (a short code or a name cannot be texted back)."""
    phone = arrival.line.phone
    key = keyword_answer_key(arrival.line_id)
    if not phone.startswith("+"):
        return None
    if session.exec(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == key)).first():
        return None
    assert store.id is not None
    body = keyword_answer(
        kind, _language(session, store.id, arrival), store_name=store.name, store_phone=store.phone
    )
    patient_id = arrival.patients[0].id if len(arrival.patients) == 1 else None
    message = OutboundMessage(
        uuid=str(uuid.uuid4()),
        store_id=store.id,
        patient_id=patient_id,
        method=Method.SMS.value,
        alert_type=AlertType.GENERAL.value,
        priority=int(Priority.HIGH),
        entity=Entity.PATIENT.value,
        entity_name=_entity_name(arrival.patients),
        recipient=phone,
        body=body,
        status=QueueStatus.PENDING.value,
        dedupe_key=key,
        created_at=now,
        scheduled_at=now,
        keyword_reply=True,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # queued by another poller a moment ago
        return None
    session.add(
        ConversationMessage(
            store_id=store.id,
            patient_id=patient_id,
            direction=OUT,
            phone=phone,
            body=body,
            outbound_message_id=message.id,
            at=now,
            read_at=now,
        )
    )
    session.flush()
    return message


def _language(session: Session, store_id: int, arrival: Arrival) -> str:
    """The patient's language, else the one the text was written in, else the store's usual."""
    if arrival.patients:
        return arrival.patients[0].language or Language.ENGLISH.value
    if arrival.reading.language:
        return arrival.reading.language
    first = session.exec(
        select(Patient.language).where(Patient.store_id == store_id).order_by(col(Patient.id))
    ).first()
    return first or Language.ENGLISH.value


def _entity_name(patients: tuple[Patient, ...]) -> str:
    if not patients:
        return UNKNOWN_SENDER
    names = ", ".join(f"{p.first_name} {p.last_name}".strip() for p in patients)
    return names if len(names) <= _NAME_MAX else names[: _NAME_MAX - 1] + "…"
