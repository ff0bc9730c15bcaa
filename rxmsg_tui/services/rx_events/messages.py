"""The messages an Rx event means: ready for pickup, or the pickup's cancel, confirm and review.

Everything here runs inside the caller's transaction, so the event row, the
queued and cancelled messages and their audit rows commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import update
from sqlmodel import Session, col, select

from rxmsg_tui.domain.vocabulary import AlertType, Channel, Method, QueueStatus, RxEventKind
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.dedupe_keys import KeyPart, dedupe_key
from rxmsg_tui.services.formats.review_sites import default_site
from rxmsg_tui.services.messages.automatic import queue_alert
from rxmsg_tui.services.rx_events.results import CancelledMessage, EventResult
from rxmsg_tui.storage.models import (
    AlertSettings,
    OutboundMessage,
    Patient,
    Prescription,
    RxEvent,
    Store,
)

CANCEL_REASON = "cancelled by pickup"
M = OutboundMessage


@dataclass(frozen=True)
class EventScene:
    """Who and what an event is about, loaded once for all the messages it leads to."""

    store: Store
    settings: AlertSettings
    actor: Actor
    rx: Prescription
    patient: Patient
    drug_name: str
    now: datetime

    def key(self, part: KeyPart, subject: str, cycle: date) -> Callable[[Channel], str]:
        """`STORE:part:subject:cycle:channel` (services.dedupe_keys), one per channel."""
        return partial(dedupe_key, self.store.code, part, (subject, cycle.isoformat()))


def ready_for_pickup(scene: EventScene, session: Session, result: EventResult) -> None:
    """`RX Ready for Pickup` once per fill, unless this fill was picked up already."""
    rx = scene.rx
    if _picked_up_already(session, rx, result.event_id):
        result.notes.append(
            f"Rx {rx.rx_number} was picked up already for the fill of "
            f"{rx.last_fill_date.isoformat()}: no ready-for-pickup message"
        )
        return
    outcome = queue_alert(
        session,
        scene.store,
        scene.settings,
        scene.patient,
        AlertType.READY_FOR_PICKUP,
        scene.key(KeyPart.PICKUP, rx.rx_number, rx.last_fill_date),
        {"rx_number": rx.rx_number, "drug_name": scene.drug_name},
        scene.now,
        prescription=rx,
        created_by=scene.actor.username,
    )
    result.queued += outcome.queued
    result.notes += outcome.notes


def picked_up(scene: EventScene, session: Session, result: EventResult, pickup_date: date) -> None:
    """Cancel waiting reminders; queue the confirmation and the day's review request."""
    rx = scene.rx
    result.cancelled += _cancel_pickup_reminders(scene, session)
    values = {
        "rx_number": rx.rx_number,
        "drug_name": scene.drug_name,
        "pickup_date": pickup_date.strftime("%m/%d/%Y"),
    }
    confirmation = queue_alert(
        session,
        scene.store,
        scene.settings,
        scene.patient,
        AlertType.PICKUP_CONFIRMATION,
        scene.key(KeyPart.PICKUP_CONFIRMATION, rx.rx_number, rx.last_fill_date),
        values,
        scene.now,
        prescription=rx,
        created_by=scene.actor.username,
    )
    site = default_site(session, scene.store.id or 0)
    review_values = {"pickup_date": values["pickup_date"]}
    if site is not None:
        review_values["review_url"] = site.url
    elif scene.settings.review_channels:
        result.notes.append("no default review site (Review Sites): review requests need one")
    review = queue_alert(
        session,
        scene.store,
        scene.settings,
        scene.patient,
        AlertType.CUSTOMER_REVIEW,
        scene.key(KeyPart.REVIEW, scene.patient.patient_id, pickup_date),
        review_values,
        scene.now,
        created_by=scene.actor.username,
    )
    result.queued += confirmation.queued + review.queued
    result.notes += confirmation.notes + review.notes


def _picked_up_already(session: Session, rx: Prescription, event_id: int) -> bool:
    found = session.exec(
        select(RxEvent.id).where(
            RxEvent.prescription_id == rx.id,
            RxEvent.fill_date == rx.last_fill_date,
            RxEvent.kind == RxEventKind.PICKED_UP.value,
            col(RxEvent.id) != event_id,
        )
    ).first()
    return found is not None


def _cancel_pickup_reminders(scene: EventScene, session: Session) -> list[CancelledMessage]:
    """Delete the prescription's `Pending` pickup reminders, initial and follow-ups alike.

    Reminders of earlier fills still waiting are as pointless once the patient
    has the medicine, so they go too. The update is conditional on `Pending`:
    a reminder the dispatcher claimed a moment ago is no longer stopped here.
    """
    rows = (
        session.connection()
        .execute(
            update(M)
            .where(
                col(M.store_id) == scene.store.id,
                col(M.prescription_id) == scene.rx.id,
                col(M.alert_type) == AlertType.READY_FOR_PICKUP.value,
                col(M.status) == QueueStatus.PENDING.value,
            )
            .values(status=QueueStatus.DELETED.value)
            .returning(col(M.id), col(M.method), col(M.entity_name))
        )
        .all()
    )
    cancelled = [CancelledMessage(i or 0, Method(method), name) for i, method, name in rows]
    for message in sorted(cancelled, key=lambda c: c.id):
        audit.record(
            session, scene.actor, "queue.cancel", at=scene.now, target=f"message {message.id}",
            before={"status": QueueStatus.PENDING.value},
            after={"status": QueueStatus.DELETED.value, "reason": CANCEL_REASON},
        )  # fmt: skip
    return sorted(cancelled, key=lambda c: c.id)
