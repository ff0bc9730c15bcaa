"""Rx events: ready for pickup once per fill, pickup cancels, confirms and asks for one review."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from rxmsg_tui.domain.vocabulary import RxEventKind
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.services.rx_events import EventResult, EventSource, record_event
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    AuditLog,
    Consent,
    Drug,
    OutboundMessage,
    Patient,
    PatientMessagePrefs,
    Prescription,
    ReviewSite,
    RxEvent,
    Store,
)
from tests.conftest import NOW

FILL = date(2026, 3, 1)
REVIEW_URL = "https://g.page/r/main-street/review"


@pytest.fixture
def pharmacy(db: Database, store: Store) -> dict[str, int]:
    """Ana Lopez with two Rxs; pickup by SMS and email, review by SMS and email.

    She consented to both channels for service messages but to marketing by
    SMS only, so an emailed review request must stay Undelivered.
    """
    assert store.id is not None
    with db.transaction() as session:
        session.exec(
            update(AlertSettings)
            .where(col(AlertSettings.store_id) == store.id)
            .values(
                pickup_channels=["email", "sms"],
                pickup_trigger="label_printed",
                pickup_confirmation_channels=["sms"],
                review_channels=["email", "sms"],
            )
        )
        session.add(ReviewSite(store_id=store.id, name="Google", url=REVIEW_URL, is_default=True))
        ana = Patient(
            store_id=store.id,
            patient_id="P1",
            first_name="Ana",
            last_name="Lopez",
            cell_phone="+12025550143",
            email="ana@example.org",
            cell_verified=True,
            email_verified=True,
            created_at=NOW,
            updated_at=NOW,
        )
        drug = Drug(
            store_id=store.id, ndc="00093-7339-01", name="Lisinopril 10 mg", maintenance=True
        )
        session.add_all([ana, drug])
        session.flush()
        assert ana.id is not None and drug.id is not None
        for number in ("600123", "600124"):
            session.add(
                Prescription(
                    store_id=store.id,
                    rx_number=number,
                    patient_id=ana.id,
                    drug_id=drug.id,
                    days_supply=30,
                    last_fill_date=FILL,
                    due_date=FILL + timedelta(days=30),
                    refills_remaining=3,
                    updated_at=NOW,
                )
            )
        for channel, purpose in (
            ("email", "transactional"),
            ("sms", "transactional"),
            ("sms", "marketing"),
        ):
            session.add(_consent(store.id, ana.id, channel, purpose, granted=True))
        for alert, channels in (
            ("pickup", ("email", "sms")),
            ("pickup_confirmation", ("sms",)),
            ("review", ("email", "sms")),
        ):
            flags = {c: True for c in channels}
            prefs = PatientMessagePrefs(store_id=store.id, patient_id=ana.id, alert=alert, **flags)
            session.add(prefs)
        return {"store": store.id, "patient": ana.id}


def _consent(store_id: int, patient: int, channel: str, purpose: str, **kw: Any) -> Consent:
    values: dict[str, Any] = {"source": "verbal", "recorded_at": NOW - timedelta(days=30), **kw}
    return Consent(
        store_id=store_id, patient_id=patient, channel=channel, purpose=purpose, **values
    )


def _record(
    db: Database, admin: Actor, kind: RxEventKind, rx: str = "600123", **kw: Any
) -> EventResult:
    return record_event(db, admin, rx, kind, now=kw.pop("now", NOW), **kw)


def _messages(db: Database) -> list[OutboundMessage]:
    with db.read() as session:
        return list(session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))))


def _count(db: Database, model: type[Any]) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_the_trigger_event_queues_ready_for_pickup_once_per_fill_and_channel(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    first = _record(db, admin, RxEventKind.LABEL_PRINTED)
    assert [(q.alert_type.value, q.channel.value, q.status.value) for q in first.queued] == [
        ("RX Ready for Pickup", "email", "Pending"),
        ("RX Ready for Pickup", "sms", "Pending"),
    ]
    email, sms = _messages(db)
    assert email.dedupe_key == "TEST:pickup:600123:2026-03-01:email"
    assert sms.dedupe_key == "TEST:pickup:600123:2026-03-01:sms"
    assert (email.entity, email.entity_name) == ("Prescription", "Rx 600123")
    assert "600123 (Lisinopril 10 mg) is ready" in email.body
    assert sms.body.startswith("Main Street Pharmacy: Hi Ana, your prescription is ready")
    assert "Lisinopril" not in sms.body  # minimum necessary PHI by text

    again = _record(db, admin, RxEventKind.LABEL_PRINTED, source=EventSource.BATCH)
    assert again.queued == []
    assert "RX Ready for Pickup by SMS was queued already" in again.notes
    assert len(_messages(db)) == 2
    with db.read() as session:
        events = list(session.exec(select(RxEvent).order_by(col(RxEvent.id))))
        audited = session.exec(select(AuditLog).where(AuditLog.action == "rx.event")).all()
    assert [(e.kind, e.fill_date, e.username, e.source) for e in events] == [
        ("label-printed", FILL, "alice", "cli"),
        ("label-printed", FILL, "alice", "batch"),
    ]
    assert [a.target for a in audited] == ["Rx 600123", "Rx 600123"]


def test_an_event_that_is_not_the_trigger_is_recorded_and_queues_nothing(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    result = _record(db, admin, RxEventKind.VERIFIED)
    assert result.queued == [] and result.cancelled == []
    assert result.notes == ["the store sends RX Ready for Pickup when the label is printed"]
    assert _messages(db) == []
    assert _count(db, RxEvent) == 1


def test_the_trigger_is_the_one_alert_settings_name(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    with db.transaction() as session:
        session.exec(update(AlertSettings).values(pickup_trigger="insurance_approved"))
    assert _record(db, admin, RxEventKind.LABEL_PRINTED).queued == []
    assert _record(db, admin, RxEventKind.VERIFIED).notes == [
        "the store sends RX Ready for Pickup when insurance approves the claim"
    ]
    approved = _record(db, admin, RxEventKind.INSURANCE_APPROVED)
    assert [q.channel.value for q in approved.queued] == ["email", "sms"]


def test_a_refill_starts_a_new_cycle(db: Database, admin: Actor, pharmacy: dict[str, int]) -> None:
    _record(db, admin, RxEventKind.LABEL_PRINTED)
    with db.transaction() as session:
        session.exec(
            update(Prescription)
            .where(col(Prescription.rx_number) == "600123")
            .values(last_fill_date=date(2026, 3, 2), due_date=date(2026, 4, 1))
        )
    refill = _record(db, admin, RxEventKind.LABEL_PRINTED)
    assert len(refill.queued) == 2
    assert refill.fill_date == date(2026, 3, 2)
    assert [m.dedupe_key for m in _messages(db)][2:] == [
        "TEST:pickup:600123:2026-03-02:email",
        "TEST:pickup:600123:2026-03-02:sms",
    ]


def test_pickup_cancels_reminders_and_queues_confirmation_and_one_review_a_day(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    _record(db, admin, RxEventKind.LABEL_PRINTED)
    with db.transaction() as session:  # a follow-up the daily process queued
        first = session.exec(select(OutboundMessage)).first()
        assert first is not None
        followup = OutboundMessage(
            **first.model_dump(exclude={"id", "uuid", "dedupe_key"}),
            uuid="f" * 36,
            dedupe_key="TEST:pickup-followup:600123:2026-03-01:3:email",
        )
        session.add(followup)
    later = NOW + timedelta(hours=2)

    pickup = _record(db, admin, RxEventKind.PICKED_UP, now=later)
    assert [c.id for c in pickup.cancelled] == [1, 2, 3]
    summary = [
        (q.alert_type.value, q.channel.value, q.status.value, q.warning) for q in pickup.queued
    ]
    assert summary == [
        ("RX Pickup Confirmation", "sms", "Pending", ""),
        ("Customer Review", "email", "Undelivered", "No Consent"),
        ("Customer Review", "sms", "Pending", ""),
    ]
    messages = {m.id: m for m in _messages(db)}
    assert [messages[i].status for i in (1, 2, 3)] == ["Deleted"] * 3
    confirmation, review_email, review_sms = (messages[q.id] for q in pickup.queued)
    assert confirmation.dedupe_key == "TEST:pickup-confirmation:600123:2026-03-01:sms"
    assert review_sms.dedupe_key == "TEST:review:P1:2026-03-02:sms"
    assert REVIEW_URL in review_sms.body and REVIEW_URL in review_email.body
    assert (review_sms.entity, review_sms.entity_name) == ("Patient", "Ana Lopez")
    with db.read() as session:
        cancels = session.exec(select(AuditLog).where(AuditLog.action == "queue.cancel")).all()
    assert sorted(a.target for a in cancels) == ["message 1", "message 2", "message 3"]
    assert all("cancelled by pickup" in (a.after or "") for a in cancels)

    # The second Rx picked up the same day: its own confirmation, no second review.
    other = _record(db, admin, RxEventKind.PICKED_UP, "600124", now=later)
    assert [(q.alert_type.value, q.channel.value) for q in other.queued] == [
        ("RX Pickup Confirmation", "sms")
    ]
    assert "Customer Review by SMS was queued already" in other.notes
    # Once picked up, the trigger of the same fill sends no ready-for-pickup message.
    late_label = _record(db, admin, RxEventKind.LABEL_PRINTED, now=later)
    assert late_label.queued == []
    assert "picked up already" in late_label.notes[0]


def test_a_stopped_sms_is_queued_as_opted_out(
    db: Database, store: Store, admin: Actor, pharmacy: dict[str, int]
) -> None:
    with db.transaction() as session:
        stop = _consent(
            pharmacy["store"], pharmacy["patient"], "sms", "transactional",
            granted=False, source="sms-keyword", recorded_at=NOW - timedelta(days=1),
        )  # fmt: skip
        session.add(stop)
    result = _record(db, admin, RxEventKind.LABEL_PRINTED)
    assert [(q.channel.value, q.status.value, q.warning) for q in result.queued] == [
        ("email", "Pending", ""),
        ("sms", "Undelivered", "Opted Out"),
    ]


def test_an_unknown_rx_is_refused_and_nothing_is_written(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    with pytest.raises(NotFound, match="no prescription Rx 999999 at store TEST"):
        _record(db, admin, RxEventKind.PICKED_UP, "999999")
    assert _count(db, RxEvent) == 0


def test_an_event_before_the_current_fill_is_refused(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    earlier = datetime(2026, 2, 28, 16, 0, tzinfo=NOW.tzinfo)
    with pytest.raises(InvalidInput, match=r"\(2026-02-28\) is before the current fill"):
        _record(db, admin, RxEventKind.PICKED_UP, occurred_at=earlier)
    with pytest.raises(InvalidInput, match="is in the future"):
        _record(db, admin, RxEventKind.PICKED_UP, occurred_at=NOW + timedelta(hours=1))
    assert _count(db, RxEvent) == 0
    assert _messages(db) == []
