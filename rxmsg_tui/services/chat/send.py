"""A reply in two-way chat: a General SMS at High priority through the normal rules.

Chat is a conversation, so a reply that could not go is refused on the spot
with its reason (restricted word, STOP, no consent, no cell) and nothing is
queued or written; the queue's `Undelivered` rows are for the automatic
messages nobody is watching. The store's window and the 08:00–21:00 floor in
the patient's time still hold: a reply typed at night waits as `Pending`.
Alert Settings' General channels do not apply: they decide which announcements
the store sends, not whether staff may answer a patient who wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from rxmsg_tui.domain.message_text import MessageTextError, check_format, render_message
from rxmsg_tui.domain.vocabulary import AlertType, Method, Priority, QueueStatus, QueueWarning
from rxmsg_tui.services import audit
from rxmsg_tui.services.chat.threads import mark_unread_as_read
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.services.formats.restricted import first_restricted
from rxmsg_tui.services.messages.enqueue import NewMessage, enqueue
from rxmsg_tui.services.messages.template_values import patient_values
from rxmsg_tui.storage.models import ConversationMessage, Patient, QuickResponse
from rxmsg_tui.storage.queries import alert_settings_of


@dataclass(frozen=True)
class ChatSent:
    message_id: int
    status: QueueStatus
    phone: str
    body: str
    """The text as the patient reads it, #VARIABLES# filled in."""


def send_chat(ctx: AppContext, *, patient_id: str, text: str) -> ChatSent:
    """Queue the reply and add it to the patient's thread; refused whole if it may not go."""
    if not text.strip():
        raise FieldError("body", "the message is empty")
    try:
        check_format(Method.SMS, AlertType.GENERAL, "", text)
    except MessageTextError as exc:
        raise FieldError("body", f"not sent: {exc}") from None
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        patient = _patient(session, ctx.actor.store_id, patient_id)
        body = _render(ctx, patient, text)
        if restricted := first_restricted(session, patient.store_id, body):
            raise FieldError("body", f"not sent: {restricted.word!r} is a restricted word")
        settings = alert_settings_of(session, patient.store_id)
        row = enqueue(
            session,
            patient,
            NewMessage(Method.SMS, AlertType.GENERAL, "", body),
            only_verified=settings.only_verified,
            scheduled_at=now,
            created_by=ctx.actor.username,
            now=now,
        )
        if row.status != QueueStatus.PENDING:
            # Raising rolls the whole transaction back: nothing is queued or written.
            raise InvalidInput(_refusal(patient, QueueWarning(row.warning)))
        row.priority = int(Priority.HIGH)
        assert row.id is not None
        session.add(
            ConversationMessage(
                store_id=patient.store_id,
                patient_id=patient.id,
                direction="out",
                phone=row.recipient,
                body=body,
                outbound_message_id=row.id,
                at=now,
                read_at=now,
            )
        )
        # Answering is reading: the patient's texts so far are no longer unread.
        mark_unread_as_read(session, patient.store_id, row.recipient, now=now)
        audit.record(
            session,
            ctx.actor,
            "chat.send",
            at=now,
            target=f"message {row.id}",
            after={"status": row.status, "priority": "High"},
        )
        return ChatSent(row.id, QueueStatus(row.status), row.recipient, body)


def quick_response_text(
    ctx: AppContext, *, patient_id: str, name: str | None = None, response_id: int | None = None
) -> str:
    """A Quick Response (by description or id) filled in for the patient, ready to edit."""
    with ctx.db.read() as session:
        query = select(QuickResponse).where(QuickResponse.store_id == ctx.actor.store_id)
        if response_id is not None:
            query = query.where(QuickResponse.id == response_id)
        else:
            wanted = (name or "").strip().lower()
            query = query.where(func.lower(col(QuickResponse.description)) == wanted)
        response = session.exec(query).first()
        if response is None:
            what = f"{name!r}" if response_id is None else f"{response_id}"
            raise NotFound(f"no quick response {what}; see 2-way Message Template")
        patient = _patient(session, ctx.actor.store_id, patient_id)
        return _render(ctx, patient, response.body)


def _patient(session: Session, store_id: int, patient_id: str) -> Patient:
    patient = session.exec(
        select(Patient).where(Patient.store_id == store_id, Patient.patient_id == patient_id)
    ).first()
    if patient is None:
        raise NotFound(f"no patient with ID {patient_id!r}")
    return patient


def _render(ctx: AppContext, patient: Patient, text: str) -> str:
    values = patient_values(ctx.store, patient, ctx.clock.today(ctx.store_zone))
    try:
        return render_message(Method.SMS, "", text, values)[1]
    except MessageTextError as exc:
        raise FieldError("body", f"cannot fill in the message for this patient: {exc}") from None


_REFUSALS = {
    QueueWarning.OPTED_OUT: "{name} texted STOP: no texts until they text START",
    QueueWarning.NO_CONSENT: "{name} has not consented to text messages",
    QueueWarning.MISSING_ADDRESS: "{name} has no cell phone",
    QueueWarning.INVALID_ADDRESS: "{name}'s cell phone is not a valid number",
    QueueWarning.NOT_VERIFIED: "{name}'s cell phone is not verified (Send Only to Verified)",
    QueueWarning.WORD_RESTRICTED: "the message has a restricted word",
}


def _refusal(patient: Patient, warning: QueueWarning) -> str:
    name = f"{patient.first_name} {patient.last_name}".strip()
    return "Not sent: " + _REFUSALS[warning].format(name=name)
