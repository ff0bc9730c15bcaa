"""Verification codes for a cell or email, on SQLite and PostgreSQL: only a hash kept, 10 minutes,
5 tries, once a minute, for the address it was sent to; the code goes at once but not at night."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.services.verification import address_state, check_code, send_code
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    AuditLog,
    OutboundMessage,
    Patient,
    Store,
    VerificationCode,
)
from tests.test_dispatcher import ScriptedProvider

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # Monday 10:30 in New York


@pytest.fixture
def patient(db: Database, store: Store) -> str:
    with db.transaction() as session:
        session.add(
            Patient(
                store_id=store.id or 0, patient_id="P1", first_name="Ana", last_name="Lopez",
                cell_phone="(202) 555-0143", email="ana@example.org", created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip
    return "P1"


def sent_code(db: Database) -> str:
    """The code as the patient reads it in the last message queued."""
    with db.read() as session:
        rows = list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))  # type: ignore[arg-type]
    found = re.search(r"\b(\d{6})\b", rows[-1].body)
    assert found, rows[-1].body
    return found.group(1)


def flags(db: Database) -> tuple[bool, bool]:
    with db.read() as session:
        p = session.exec(select(Patient)).one()
    return p.cell_verified, p.email_verified


def refusal(
    db: Database, admin: Actor, code: str, at: datetime, channel: Channel = Channel.SMS
) -> str:
    with pytest.raises(FieldError) as caught:
        check_code(db, admin, "P1", channel, code, now=at)
    assert caught.value.field == "code"
    return str(caught.value)


def test_the_right_code_verifies_the_cell_with_who_and_when(
    db: Database, admin: Actor, patient: str
) -> None:
    sent = send_code(db, admin, patient, Channel.SMS, now=NOW)
    assert sent.address == "+12025550143" and sent.status.value == "Pending"
    assert sent.expires_at == NOW + timedelta(minutes=10)
    with db.read() as session:
        message = session.exec(select(OutboundMessage)).one()
    assert (message.alert_type, message.priority, message.method) == ("Verification", 1, "SMS")
    state = address_state(db, admin, patient, Channel.SMS, now=NOW)
    assert state.code_expires_at == NOW + timedelta(minutes=10) and not state.verified
    check_code(db, admin, patient, Channel.SMS, sent_code(db), now=NOW + timedelta(minutes=3))
    assert flags(db) == (True, False)
    with db.read() as session:
        row = session.exec(select(VerificationCode)).one()
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert row.verified_by == "alice" and row.verified_at == NOW + timedelta(minutes=3)
    assert actions == ["verification.send", "verification.verified"]
    assert address_state(db, admin, patient, Channel.SMS, now=NOW).verified
    assert "no code is waiting" in refusal(db, admin, sent_code(db), NOW + timedelta(minutes=4))


def test_five_wrong_tries_lock_the_code(db: Database, admin: Actor, patient: str) -> None:
    send_code(db, admin, patient, Channel.EMAIL, now=NOW)
    right = sent_code(db)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    said = [refusal(db, admin, wrong, NOW, Channel.EMAIL) for _ in range(5)]
    assert said[0] == "wrong code (4 tries left)" and said[3] == "wrong code (1 try left)"
    assert "locked" in said[4]
    assert refusal(db, admin, right, NOW, Channel.EMAIL) == "too many wrong tries; send a new code"
    assert flags(db) == (False, False)
    with pytest.raises(FieldError, match="6 digits"):
        check_code(db, admin, patient, Channel.EMAIL, "12a456", now=NOW)


def test_an_expired_code_is_refused_with_its_time(db: Database, admin: Actor, patient: str) -> None:
    send_code(db, admin, patient, Channel.SMS, now=NOW)
    late = NOW + timedelta(minutes=10)
    assert refusal(db, admin, sent_code(db), late) == "the code expired at 10:40; send a new one"
    assert flags(db) == (False, False)


def test_a_new_code_at_most_once_a_minute(db: Database, admin: Actor, patient: str) -> None:
    send_code(db, admin, patient, Channel.SMS, now=NOW + timedelta(seconds=20))
    with pytest.raises(InvalidInput, match="a new code can be sent at 10:32"):
        send_code(db, admin, patient, Channel.SMS, now=NOW + timedelta(seconds=50))
    send_code(db, admin, patient, Channel.EMAIL, now=NOW + timedelta(seconds=50))  # other channel
    send_code(db, admin, patient, Channel.SMS, now=NOW + timedelta(seconds=80))
    with db.read() as session:
        assert len(list(session.exec(select(OutboundMessage)))) == 3
    check_code(
        db, admin, patient, Channel.EMAIL, _code_of(db, "Email"), now=NOW + timedelta(minutes=2)
    )
    assert flags(db) == (False, True)


def _code_of(db: Database, method: str) -> str:
    with db.read() as session:
        row = session.exec(select(OutboundMessage).where(OutboundMessage.method == method)).one()
    found = re.search(r"\b(\d{6})\b", row.body)
    assert found
    return found.group(1)


def test_a_code_no_longer_verifies_once_the_address_changed(
    db: Database, admin: Actor, patient: str
) -> None:
    send_code(db, admin, patient, Channel.SMS, now=NOW)
    with db.transaction() as session:
        row = session.exec(select(Patient)).one()
        row.cell_phone = "+12025550199"
        session.add(row)
    said = refusal(db, admin, sent_code(db), NOW + timedelta(minutes=1))
    assert said == "the cell changed since the code was sent; send a new code"
    assert flags(db) == (False, False)


def test_the_code_is_only_in_the_message_body(
    db: Database, admin: Actor, patient: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    send_code(db, admin, patient, Channel.SMS, now=NOW)
    code = sent_code(db)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refusal(db, admin, wrong, NOW)
    check_code(db, admin, patient, Channel.SMS, code, now=NOW)
    with db.read() as session:
        stored = session.exec(select(VerificationCode)).one()
        audit = list(session.exec(select(AuditLog)))
    assert stored.code_hash.startswith("scrypt$") and code not in stored.code_hash
    assert all(code not in str(v) for v in stored.model_dump().values())
    assert all(code not in f"{a.before} {a.after} {a.target}" for a in audit)
    assert code not in caplog.text


def test_unknown_patient_and_missing_address(db: Database, admin: Actor, patient: str) -> None:
    with pytest.raises(NotFound, match="no patient with ID 'NOPE'"):
        send_code(db, admin, "NOPE", Channel.SMS, now=NOW)
    with db.transaction() as session:
        row = session.exec(select(Patient)).one()
        row.email = None
        session.add(row)
    with pytest.raises(InvalidInput, match="no email on file for patient P1"):
        send_code(db, admin, patient, Channel.EMAIL, now=NOW)
    with db.read() as session:
        assert list(session.exec(select(VerificationCode))) == []


def test_the_sms_code_goes_outside_the_store_window_but_not_before_eight(
    db: Database, admin: Actor, patient: str, store: Store
) -> None:
    with db.transaction() as session:
        settings = session.exec(select(AlertSettings)).one()
        settings.email_sms_window = "10:00-18:00"
        session.add(settings)
    early = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 07:30 in Washington DC
    sent = send_code(db, admin, patient, Channel.SMS, now=early)
    eight = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert (sent.goes_at, sent.expires_at) == (eight, eight + timedelta(minutes=10))
    provider = ScriptedProvider()

    def dispatch(at: datetime) -> None:
        Dispatcher(db, lambda _s, _m: provider, Clock(at), workers=1).run_once()  # type: ignore[arg-type]

    dispatch(early)
    assert provider.sent == []
    dispatch(datetime(2026, 3, 2, 13, 5, tzinfo=UTC))  # 08:05: before the store's 10:00, sent
    assert len(provider.sent) == 1 and provider.sent[0].to == "+12025550143"
    code = sent_code(db)
    check_code(db, admin, patient, Channel.SMS, code, now=datetime(2026, 3, 2, 13, 8, tzinfo=UTC))
    assert flags(db) == (True, False)


def test_an_email_code_goes_at_once_at_night(db: Database, admin: Actor, patient: str) -> None:
    night = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 23:00 in New York
    sent = send_code(db, admin, patient, Channel.EMAIL, now=night)
    assert (sent.goes_at, sent.expires_at) == (night, night + timedelta(minutes=10))
    provider = ScriptedProvider()
    Dispatcher(db, lambda _s, _m: provider, Clock(night), workers=1).run_once()  # type: ignore[arg-type]
    assert [m.to for m in provider.sent] == ["ana@example.org"]
