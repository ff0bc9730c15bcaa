"""Patient Message Settings: addresses checked and stored E.164, verification cleared, audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound
from rxmsg_tui.services.patient_settings import (
    SettingsChange,
    apply_default_settings,
    change_settings,
    read_settings,
    record_consent,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    AuditLog,
    OutboundSetup,
    Patient,
    Store,
    VerificationCode,
)
from tests.conftest import NOW
from tests.tui.seed import insert_patients, insert_prefs, patient


@pytest.fixture
def tech(store: Store) -> Actor:
    """Counter staff: technicians may change a patient's settings (not the store's setup)."""
    assert store.id is not None
    return Actor(store.id, store.code, "tom", Role.TECHNICIAN)


@pytest.fixture
def pk(db: Database, store: Store) -> int:
    assert store.id is not None
    row = patient(
        "P1",
        "Ana",
        "Lopez",
        cell_phone="+12015550123",
        email="ana@example.com",
        cell_verified=True,
        email_verified=True,
    )
    return insert_patients(db, store.id, [row])["P1"]


def audits(db: Database, action: str) -> list[AuditLog]:
    with db.read() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)))


def stored(db: Database, pk: int) -> Patient:
    with db.read() as session:
        found = session.get(Patient, pk)
        assert found is not None
        return found


def test_shows_who_verified_each_address(db: Database, store: Store, pk: int) -> None:
    assert store.id is not None
    with db.transaction() as session:
        session.add(
            VerificationCode(
                store_id=store.id,
                patient_id=pk,
                channel="sms",
                address="+12015550123",
                code_hash="x",
                created_at=NOW,
                expires_at=NOW + timedelta(minutes=10),
                verified_at=NOW,
                verified_by="tom",
            )
        )
    shown = read_settings(db, store.id, "P1")
    assert (shown.cell.verified, shown.cell.verified_by, shown.cell.verified_at) == (
        True,
        "tom",
        NOW,
    )
    assert shown.email.verified and shown.email.verified_by == ""
    assert shown.channels["refill"] == []


def test_new_cell_stored_e164_and_unverified_email_kept(
    db: Database, store: Store, tech: Actor, pk: int
) -> None:
    change = SettingsChange(cell="(201) 555-0199", language="es")
    after = change_settings(db, tech, "P1", change, now=NOW)
    row = stored(db, pk)
    assert (row.cell_phone, row.cell_verified, row.email_verified) == ("+12015550199", False, True)
    assert row.language == "es"
    assert after.cell.address == "+12015550199" and not after.cell.verified
    [entry] = audits(db, "patient.settings")
    assert entry.username == "tom" and entry.target == "P1"
    before = json.loads(entry.before or "{}")
    assert before["cell"]["address"] == "+12015550123" and before["cell"]["verified"]
    assert json.loads(entry.after or "{}")["cell"]["verified"] is False


def test_same_cell_typed_differently_keeps_verification(db: Database, tech: Actor, pk: int) -> None:
    change_settings(db, tech, "P1", SettingsChange(cell="201-555-0123"), now=NOW)
    assert stored(db, pk).cell_verified


def test_new_email_clears_its_verification(db: Database, tech: Actor, pk: int) -> None:
    change_settings(db, tech, "P1", SettingsChange(email=" Ana@Example.ORG "), now=NOW)
    row = stored(db, pk)
    assert (row.email, row.email_verified, row.cell_verified) == ("Ana@example.org", False, True)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (SettingsChange(cell="555-010-2000"), "cell", "Cell Phone '555-010-2000': not a valid"),
        (SettingsChange(email="ana@"), "email", "E-mail ID 'ana@'"),
        (SettingsChange(language="fr"), "language", "language 'fr' is not one of en, es"),
        (SettingsChange(channels={"refil": ["sms"]}), "channels", "unknown alert 'refil'"),
        (SettingsChange(channels={"refill": ["fax"]}), "channels.refill", "unknown channel 'fax'"),
        (SettingsChange(channels={"refill": ["call"]}), "channels.refill", "makes no calls"),
    ],
)
def test_bad_field_refused_at_its_field_and_nothing_written(
    db: Database, tech: Actor, pk: int, change: SettingsChange, field: str, words: str
) -> None:
    both = SettingsChange(
        cell=change.cell,
        email=change.email,
        language=change.language or "es",
        channels=change.channels,
    )
    with pytest.raises(FieldError) as refused:
        change_settings(db, tech, "P1", both, now=NOW)
    assert refused.value.field == field
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)
    assert stored(db, pk).language == "en"
    assert audits(db, "patient.settings") == []


def test_channels_saved_and_call_only_where_the_store_calls(
    db: Database, store: Store, tech: Actor, pk: int
) -> None:
    assert store.id is not None
    shown = read_settings(db, store.id, "P1")
    assert shown.offered["refill"] == ("email", "sms")
    with db.engine.begin() as conn:
        conn.execute(update(OutboundSetup).values(call_using="ivr"))
    offered = read_settings(db, store.id, "P1").offered
    assert offered["refill"] == ("email", "sms", "call")
    assert offered["general"] == ("email", "sms")
    change = SettingsChange(channels={"refill": ["sms", "call"], "general": []})
    after = change_settings(db, tech, "P1", change, now=NOW)
    assert after.channels["refill"] == ["sms", "call"]
    assert after.channels["general"] == []
    with pytest.raises(FieldError, match="general messages have no call"):
        change_settings(db, tech, "P1", SettingsChange(channels={"general": ["call"]}), now=NOW)


def test_apply_default_settings(db: Database, store: Store, tech: Actor, pk: int) -> None:
    assert store.id is not None
    insert_prefs(db, store.id, pk, "birthday", "email")
    defaults = {"refill": ["email", "sms"], "pickup": ["sms"]}
    with db.engine.begin() as conn:
        conn.execute(update(AlertSettings).values(defaults=defaults))
    after = apply_default_settings(db, tech, "P1", now=NOW)
    assert after.channels["refill"] == ["email", "sms"]
    assert after.channels["pickup"] == ["sms"]
    assert after.channels["birthday"] == []
    [entry] = audits(db, "patient.apply_defaults")
    assert json.loads(entry.before or "{}")["channels"]["birthday"] == ["email"]


def test_consent_given_and_withdrawn_by_staff(db: Database, tech: Actor, pk: int) -> None:
    record_consent(
        db, tech, "P1", channel="sms", purpose="marketing", granted=True,
        source="in-person", now=NOW,
    )  # fmt: skip
    later = NOW + timedelta(minutes=5)
    after = record_consent(
        db, tech, "P1", channel="sms", purpose="marketing", granted=False,
        source="verbal", now=later,
    )  # fmt: skip
    newest, oldest = after.ledger
    assert (newest.granted, newest.source, newest.username, newest.recorded_at) == (
        False,
        "verbal",
        "tom",
        later,
    )
    assert (oldest.granted, oldest.source, oldest.purpose) == (True, "in-person", "marketing")
    assert len(audits(db, "patient.consent")) == 2


@pytest.mark.parametrize(
    ("field", "value"), [("channel", "fax"), ("purpose", "sales"), ("source", "sigpad")]
)
def test_consent_bad_value_refused(
    db: Database, tech: Actor, pk: int, field: str, value: str
) -> None:
    given = {"channel": "sms", "purpose": "transactional", "source": "verbal", field: value}
    with pytest.raises(FieldError, match=f"{field} '{value}' is not one of"):
        record_consent(db, tech, "P1", granted=True, now=NOW, **given)
    with db.read() as session:
        assert session.exec(select(AuditLog).where(col(AuditLog.action) == "x")).all() == []
    assert read_settings(db, tech.store_id, "P1").ledger == []


def test_unknown_patient(db: Database, tech: Actor) -> None:
    with pytest.raises(NotFound, match="no patient with ID 'NOPE'"):
        change_settings(db, tech, "NOPE", SettingsChange(language="es"), now=NOW)


def test_defaults_then_channels_in_one_change(db: Database, store: Store, tech: Actor) -> None:
    assert store.id is not None
    insert_patients(db, store.id, [patient("P2", "Bo", "Diaz")])
    with db.engine.begin() as conn:
        conn.execute(
            update(AlertSettings).values(defaults={"refill": ["email"], "pickup": ["sms"]})
        )
    change = SettingsChange(language="es", channels={"pickup": ["email"]}, apply_defaults=True)
    after = change_settings(db, tech, "P2", change, now=NOW)
    assert (after.language, after.channels["refill"], after.channels["pickup"]) == (
        "es",
        ["email"],
        ["email"],
    )
