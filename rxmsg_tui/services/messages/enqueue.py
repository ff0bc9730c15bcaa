"""Puts one message in the queue; the one place where the send rules are applied.

The message is stored whatever the decision: `Pending` when it may go,
`Undelivered` with the warning when it may not, so staff see in the queue
why a patient got nothing. A text over its caps or with a control character
is not stored at all: every path renders through `message_text`, which
refuses it first with the reason, so reaching this check is a bug upstream.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxmsg_tui.domain.eligibility import Recipient, decide
from rxmsg_tui.domain.text_limits import TextLimitError, check_message
from rxmsg_tui.domain.vocabulary import AlertType, Entity, Method, QueueStatus
from rxmsg_tui.services.consent_state import consent_state
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.formats.restricted import first_restricted
from rxmsg_tui.storage.models import OutboundMessage, Patient


@dataclass(frozen=True)
class NewMessage:
    method: Method
    alert_type: AlertType
    subject: str
    body: str
    entity: Entity = Entity.PATIENT
    entity_name: str = ""
    prescription_id: int | None = None
    dedupe_key: str | None = None


def enqueue(
    session: Session,
    patient: Patient,
    message: NewMessage,
    *,
    only_verified: bool,
    scheduled_at: datetime,
    created_by: str,
    now: datetime,
) -> OutboundMessage:
    """Store the message as `Pending`, or `Undelivered` with the reason it may not go."""
    assert patient.id is not None
    try:
        check_message(message.method, message.subject, message.body)
    except TextLimitError as exc:
        what = f"{message.alert_type.value} by {message.method.value}"
        raise InvalidInput(f"{what} not queued: {exc}") from None
    restricted = first_restricted(session, patient.store_id, message.subject, message.body)
    consent = consent_state(session, patient.id)
    recipient = Recipient(
        cell_phone=patient.cell_phone,
        email=patient.email,
        cell_verified=patient.cell_verified,
        email_verified=patient.email_verified,
        consented=consent.granted,
        sms_opted_out=consent.sms_opted_out,
    )
    decision = decide(
        message.method,
        message.alert_type,
        recipient,
        only_verified=only_verified,
        restricted=restricted is not None,
    )
    row = OutboundMessage(
        uuid=str(uuid.uuid4()),
        store_id=patient.store_id,
        patient_id=patient.id,
        prescription_id=message.prescription_id,
        method=message.method.value,
        alert_type=message.alert_type.value,
        priority=int(message.alert_type.priority),
        entity=message.entity.value,
        entity_name=message.entity_name or f"{patient.first_name} {patient.last_name}".strip(),
        recipient=decision.recipient,
        subject=message.subject,
        body=message.body,
        status=(QueueStatus.PENDING if decision.may_send else QueueStatus.UNDELIVERED).value,
        warning=decision.warning.value if decision.warning else "",
        dedupe_key=message.dedupe_key,
        created_at=now,
        scheduled_at=scheduled_at,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def enqueue_once(
    session: Session,
    patient: Patient,
    message: NewMessage,
    *,
    only_verified: bool,
    scheduled_at: datetime,
    created_by: str,
    now: datetime,
) -> OutboundMessage | None:
    """`enqueue` an automatic message unless its dedupe key is queued already (then None).

    The unique key decides, inside a savepoint, so two processes racing to
    queue the same reminder on SQLite or PostgreSQL still queue it once.
    """
    if not message.dedupe_key:
        raise ValueError("automatic messages need a dedupe key")
    taken = select(OutboundMessage.id).where(OutboundMessage.dedupe_key == message.dedupe_key)
    if session.exec(taken).first() is not None:
        return None
    try:
        with session.begin_nested():
            return enqueue(
                session, patient, message, only_verified=only_verified,
                scheduled_at=scheduled_at, created_by=created_by, now=now,
            )  # fmt: skip
    except IntegrityError:
        return None
