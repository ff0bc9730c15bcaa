"""Send Email/SMS: one General message to one patient, as `rxmsg send` and the TUI do it.

The typed subject and body are checked as a format is at save (size, control
characters, filters tried with sample and longest values), then rendered for
the patient within the caps; a text that does not fit queues nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from rxmsg_tui.domain.message_text import MessageTextError, check_format, render_message
from rxmsg_tui.domain.vocabulary import AlertType, Method, QueueStatus
from rxmsg_tui.services import audit
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.services.messages.enqueue import NewMessage, enqueue
from rxmsg_tui.services.messages.template_values import patient_values
from rxmsg_tui.storage.models import Patient
from rxmsg_tui.storage.queries import alert_settings_of


@dataclass(frozen=True)
class Queued:
    id: int
    status: QueueStatus
    warning: str
    recipient: str


def queue_general_message(
    ctx: AppContext, *, patient_id: str, method: Method, subject: str, body: str
) -> Queued:
    """Render the text for the patient and queue it with the same rules as every path."""
    if not body.strip():
        raise FieldError("body", "the message is empty")
    if method is Method.EMAIL and not subject.strip():
        raise FieldError("subject", "an email needs a subject")
    try:
        check_format(method, AlertType.GENERAL, subject, body)
    except MessageTextError as exc:
        raise FieldError(exc.field, f"{exc.field}: {exc}") from None
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        store_id = ctx.actor.store_id
        settings = alert_settings_of(session, store_id)
        if method.channel.value not in settings.general_channels:
            raise InvalidInput(
                f"General messages by {method.value} are switched off in Alert Settings "
                "(alerts.general.channels)"
            )
        patient = session.exec(
            select(Patient).where(Patient.store_id == store_id, Patient.patient_id == patient_id)
        ).first()
        if patient is None:
            raise NotFound(f"no patient with ID {patient_id!r} at store {ctx.store.code}")
        values = patient_values(ctx.store, patient, ctx.clock.today(ctx.store_zone))
        try:
            rendered = render_message(method, subject, body, values)
        except MessageTextError as exc:
            raise InvalidInput(
                f"cannot fill in the message for this patient: {exc.field}: {exc}"
            ) from None
        row = enqueue(
            session,
            patient,
            NewMessage(method, AlertType.GENERAL, rendered[0], rendered[1]),
            only_verified=settings.only_verified,
            scheduled_at=now,
            created_by=ctx.actor.username,
            now=now,
        )
        assert row.id is not None
        audit.record(
            session,
            ctx.actor,
            "message.send",
            at=now,
            target=f"message {row.id}",
            after={"status": row.status, "warning": row.warning},
        )
        return Queued(row.id, QueueStatus(row.status), row.warning, row.recipient)
