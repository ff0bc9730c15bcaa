"""Records one Rx event and queues (or cancels) the messages it means for the patient.

The store's trigger event (label printed, insurance approved or verified for
fill, as Alert Settings say) queues `RX Ready for Pickup` once per fill; a
pickup cancels the reminders still waiting and queues the pickup
confirmation and one review request per patient and pickup day. The fill an
event belongs to is the prescription's last fill date, which is also what
the dedupe keys name: a refill starts a new cycle, a repeated event none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from rxmsg_tui.domain.safe_text import shown
from rxmsg_tui.domain.vocabulary import RxEventKind
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.services.rx_events.messages import EventScene, picked_up, ready_for_pickup
from rxmsg_tui.services.rx_events.results import (
    TRIGGER_PHRASES,
    TRIGGERS,
    EventResult,
    EventSource,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, Drug, Patient, Prescription, RxEvent, Store
from rxmsg_tui.storage.queries import alert_settings_of

FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of this terminal's clock an event may be stamped (another machine's clock)."""


def record_event(
    db: Database,
    actor: Actor,
    rx_number: str,
    kind: RxEventKind,
    *,
    now: datetime,
    occurred_at: datetime | None = None,
    source: EventSource = EventSource.CLI,
) -> EventResult:
    """Record the event at the actor's store and queue its messages, in one transaction."""
    with db.transaction() as session:
        store, settings_row = store_and_settings(session, actor.store_id)
        rx = find_prescription(session, store, rx_number)
        when = occurred_at or now
        problem = timing_problem(rx, when, store, now)
        if problem:
            raise InvalidInput(problem)
        return apply_event(session, store, settings_row, actor, rx, kind, when, source, now)


def store_and_settings(session: Session, store_id: int) -> tuple[Store, AlertSettings]:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"store {store_id} does not exist")
    return store, alert_settings_of(session, store_id)


def find_prescription(session: Session, store: Store, rx_number: str) -> Prescription:
    wanted = rx_number.strip()
    if not wanted:
        raise InvalidInput("enter an Rx number")
    rx = session.exec(
        select(Prescription).where(
            Prescription.store_id == store.id, Prescription.rx_number == wanted
        )
    ).first()
    if rx is None:
        raise NotFound(f"no prescription Rx {shown(wanted)} at store {store.code}")
    return rx


def timing_problem(rx: Prescription, occurred_at: datetime, store: Store, now: datetime) -> str:
    """Why an event cannot be recorded at that time, or "" when it can.

    An event before the current fill belongs to an earlier fill cycle: recording
    it now would send this fill's messages for something that happened to the last one.
    """
    local = occurred_at.astimezone(ZoneInfo(store.timezone))
    if occurred_at > now + FUTURE_SLACK:
        return f"the event time {local:%Y-%m-%d %H:%M} is in the future"
    if local.date() < rx.last_fill_date:
        return (
            f"the event ({local.date().isoformat()}) is before the current fill of "
            f"Rx {rx.rx_number} ({rx.last_fill_date.isoformat()}); "
            "events of earlier fills are not recorded"
        )
    return ""


def apply_event(
    session: Session,
    store: Store,
    settings_row: AlertSettings,
    actor: Actor,
    rx: Prescription,
    kind: RxEventKind,
    occurred_at: datetime,
    source: EventSource,
    now: datetime,
) -> EventResult:
    """Write the event, queue or cancel its messages and audit it, in the caller's transaction."""
    event = RxEvent(
        store_id=store.id or 0,
        prescription_id=rx.id or 0,
        kind=kind.value,
        fill_date=rx.last_fill_date,
        occurred_at=occurred_at,
        username=actor.username,
        source=source.value,
    )
    session.add(event)
    session.flush()
    assert event.id is not None
    result = EventResult(rx.rx_number, kind, event.id, rx.last_fill_date, occurred_at)
    patient = session.get(Patient, rx.patient_id)
    drug = session.get(Drug, rx.drug_id)
    assert patient is not None and drug is not None
    scene = EventScene(store, settings_row, actor, rx, patient, drug.name, now)
    trigger = TRIGGERS.get(settings_row.pickup_trigger)
    if kind is RxEventKind.PICKED_UP:
        pickup_date = occurred_at.astimezone(ZoneInfo(store.timezone)).date()
        picked_up(scene, session, result, pickup_date)
    elif kind is trigger:
        ready_for_pickup(scene, session, result)
    else:
        said = TRIGGER_PHRASES[trigger] if trigger else settings_row.pickup_trigger
        result.notes.append(f"the store sends RX Ready for Pickup when {said}")
    audit.record(
        session,
        actor,
        "rx.event",
        at=now,
        target=f"Rx {rx.rx_number}",
        after={
            "event": kind.value,
            "fill_date": rx.last_fill_date.isoformat(),
            "occurred_at": occurred_at.isoformat(),
            "source": source.value,
            "queued": [q.id for q in result.queued],
            "cancelled": [c.id for c in result.cancelled],
        },
    )
    return result
