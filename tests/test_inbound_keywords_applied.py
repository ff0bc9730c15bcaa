"""Inbound texts stored once; STOP/START/HELP applied to the ledger at once and answered once.

Each test runs on SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.providers.base import InboundSms
from rxmsg_tui.services.consent_state import consent_state
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.services.inbound import InboundReport, record_inbound
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Consent, ConversationMessage, OutboundMessage, Store
from tests.conftest import NOW
from tests.daily_world import World
from tests.test_dispatcher import ScriptedProvider

CELL = "+13125550100"
NIGHT = NOW.replace(hour=4)  # 23:00 the evening before in New York: no ordinary text may go


def _sms(n: int, body: str, *, at: datetime = NOW, sender: str = CELL) -> InboundSms:
    return InboundSms(f"SM{n:032x}", sender, "+15557654321", body, at)


def _record(db: Database, store: Store, *texts: InboundSms, now: datetime = NOW) -> InboundReport:
    assert store.id is not None
    return record_inbound(db, store.id, texts, provider="twilio", now=now)


def _answers(db: Database) -> list[OutboundMessage]:
    with db.read() as session:
        query = select(OutboundMessage).where(OutboundMessage.keyword_reply.is_(True))  # type: ignore[attr-defined]
        return list(session.scalars(query.order_by(OutboundMessage.id)))


def _thread(db: Database) -> list[tuple[str, str, str, bool]]:
    with db.read() as session:
        rows = session.scalars(select(ConversationMessage).order_by(ConversationMessage.id))
        return [(r.direction, r.phone, r.keyword, r.needs_staff) for r in rows]


def _ledger(db: Database, pk: int) -> list[tuple[str, bool, str, str]]:
    with db.read() as session:
        rows = session.scalars(
            select(Consent)
            .where(Consent.patient_id == pk, Consent.channel == "sms")
            .order_by(Consent.recorded_at, Consent.id)
        )
        return [(r.purpose, r.granted, r.source, r.evidence) for r in rows]


def test_stop_opts_the_patient_out_in_the_ledger_and_queues_one_answer(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    pk = World(db, store.id).patient("P1")

    report = _record(db, store, _sms(1, "Stop."))

    assert (report.stored, report.stops, report.answers_queued) == (1, 1, 1)
    with db.read() as session:
        line = session.scalars(
            select(ConversationMessage).where(ConversationMessage.direction == "in")
        ).one()
        assert consent_state(session, pk).sms_opted_out
    assert (line.patient_id, line.keyword, line.provider) == (pk, "stop", "twilio")
    assert _ledger(db, pk)[-2:] == [
        ("transactional", False, "sms-keyword", f"inbound:{line.id}"),
        ("marketing", False, "sms-keyword", f"inbound:{line.id}"),
    ]
    (answer,) = _answers(db)
    assert (answer.method, answer.alert_type, answer.priority, answer.status) == (
        "SMS", "General", 1, "Pending",
    )  # fmt: skip
    assert answer.recipient == CELL and answer.dedupe_key == f"keyword-reply:{line.id}"
    assert store.name in answer.body or "STOP" in answer.body.upper()
    assert _thread(db) == [("in", CELL, "stop", False), ("out", CELL, "", False)]


def test_a_second_stop_from_a_number_already_out_gets_no_second_answer(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    World(db, store.id).patient("P1")
    _record(db, store, _sms(1, "STOP"))

    again = _record(db, store, _sms(2, "please stop texting me", at=NOW + timedelta(hours=1)))

    assert (again.stored, again.stops, again.answers_queued) == (1, 1, 0)
    assert len(_answers(db)) == 1


def test_the_same_text_read_twice_is_stored_and_answered_once(db: Database, store: Store) -> None:
    assert store.id is not None
    World(db, store.id).patient("P1")
    stop = _sms(1, "STOP")

    first = _record(db, store, stop, stop)
    second = _record(db, store, stop)

    assert (first.read, first.stored, first.duplicates) == (2, 1, 1)
    assert (second.read, second.stored, second.duplicates, second.stops) == (1, 0, 1, 0)
    assert len(_answers(db)) == 1
    assert len(_thread(db)) == 2  # the STOP and its answer


def test_a_household_stop_takes_both_patients_out_with_one_answer(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    ann, ben = world.patient("P1"), world.patient("P2", first_name="Ben")

    report = _record(db, store, _sms(1, "STOP"))

    with db.read() as session:
        assert consent_state(session, ann).sms_opted_out
        assert consent_state(session, ben).sms_opted_out
        line = session.scalars(select(ConversationMessage)).first()
    assert line is not None and line.patient_id is None  # the line belongs to the household
    assert (report.unknown_senders, report.answers_queued) == (0, 1)
    (answer,) = _answers(db)
    assert answer.patient_id is None and "Ben" in answer.entity_name


def test_start_gives_back_what_the_stop_took_and_no_marketing_that_was_never_given(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    pk = World(db, store.id).patient("P1", marketing=("email",))
    _record(db, store, _sms(1, "STOP"))

    report = _record(db, store, _sms(2, "start", at=NOW + timedelta(hours=1)))

    with db.read() as session:
        state = consent_state(session, pk)
    assert not state.sms_opted_out
    assert state.channels("transactional") == ("email", "sms")
    assert state.channels("marketing") == ("email",)
    assert (report.starts, report.answers_queued) == (1, 1)
    assert len(_answers(db)) == 2


def test_start_from_a_patient_who_never_stopped_changes_nothing_and_is_not_answered(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    pk = World(db, store.id).patient("P1")
    before = _ledger(db, pk)

    report = _record(db, store, _sms(1, "YES"))

    assert (report.starts, report.answers_queued) == (1, 0)
    assert _ledger(db, pk) == before


def test_help_changes_nothing_and_is_answered_in_the_patients_language(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    pk = World(db, store.id).patient("P1", language="es")
    before = _ledger(db, pk)

    report = _record(db, store, _sms(1, "HELP"))

    assert (report.helps, report.answers_queued) == (1, 1)
    assert _ledger(db, pk) == before
    (answer,) = _answers(db)
    assert store.name in answer.body
    assert answer.body != _english_help(db, store)


def _english_help(db: Database, store: Store) -> str:
    from rxmsg_tui.domain.inbound_keywords import ReplyKind, keyword_answer

    return keyword_answer(ReplyKind.HELP, "en", store_name=store.name, store_phone=store.phone)


def test_unknown_senders_are_kept_and_answered_for_stop_and_help_only(
    db: Database, store: Store
) -> None:
    stranger = "+13125550199"
    report = _record(
        db,
        store,
        _sms(1, "START", sender=stranger),
        _sms(2, "STOP", sender=stranger, at=NOW + timedelta(seconds=1)),
        _sms(3, "STOP", sender=stranger, at=NOW + timedelta(seconds=2)),
        _sms(4, "INFO", sender=stranger, at=NOW + timedelta(seconds=3)),
    )

    assert (report.stored, report.unknown_senders) == (4, 4)
    assert (report.starts, report.stops, report.helps, report.answers_queued) == (1, 2, 1, 2)
    assert [a.entity_name for a in _answers(db)] == ["Unknown sender", "Unknown sender"]


def test_an_ambiguous_text_is_flagged_for_staff_and_changes_nothing(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    pk = World(db, store.id).patient("P1")

    report = _record(db, store, _sms(1, "can you stop the refill on my Lisinopril"))

    assert (report.flagged, report.stops, report.answers_queued) == (1, 0, 0)
    assert _thread(db) == [("in", CELL, "", True)]
    with db.read() as session:
        assert not consent_state(session, pk).sms_opted_out


def test_the_answer_goes_out_at_night_and_pending_texts_to_the_number_do_not(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    pk = world.patient("P1")
    with db.transaction() as session:
        session.add(OutboundMessage(
            uuid=str(uuid.uuid4()), store_id=store.id, patient_id=pk, method="SMS",
            alert_type="Refill Reminder", priority=2, entity="Patient", entity_name="Ann Lee",
            recipient=CELL, body="Your refill is due", status="Pending",
            created_at=NIGHT - timedelta(hours=8), scheduled_at=NIGHT - timedelta(hours=8),
        ))  # fmt: skip
    _record(db, store, _sms(1, "STOP", at=NIGHT), now=NIGHT)
    provider = ScriptedProvider()

    Dispatcher(db, lambda _s, _m: provider, Clock(NIGHT + timedelta(seconds=5))).run_until_idle()

    (answer,) = _answers(db)
    assert [m.body for m in provider.sent] == [answer.body]
    by_body = {m.body: (m.status, m.warning) for m in world.messages()}
    assert by_body["Your refill is due"] == ("Undelivered", "Opted Out")
    assert by_body[answer.body] == ("Sent", "")
