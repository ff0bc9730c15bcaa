"""Opt-in on the signature pad: the answer on a real pty pad becomes ledger rows, or nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from rxmsg_tui.devices.sigpad import SignaturePad
from rxmsg_tui.devices.sigpad_protocol import Prompt
from rxmsg_tui.devices.sigpad_sim import answer_no, answer_yes
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound, PermissionDenied
from rxmsg_tui.services.sigpad_consent import Cancelled, PadFault, ask_for_consent
from rxmsg_tui.services.sigpad_wording import current_wordings, save_wording
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    AuditLog,
    Consent,
    OutboundSetup,
    PatientMessagePrefs,
    Store,
)
from tests.conftest import NOW
from tests.devices.sigpad_world import simulated_pad
from tests.tui.seed import insert_patients, patient


@pytest.fixture
def tech(store: Store) -> Actor:
    """Counter staff ask for consent; technicians may."""
    assert store.id is not None
    return Actor(store.id, store.code, "tom", Role.TECHNICIAN)


@pytest.fixture
def pks(db: Database, store: Store) -> dict[str, int]:
    assert store.id is not None
    return insert_patients(
        db,
        store.id,
        [
            patient("P1", "Ana", "Lopez", cell_phone="+12015550123", email="ana@example.com"),
            patient("P2", "Luis", "Garcia", language="es", cell_phone="+12015550124"),
        ],
    )


def ledger(db: Database) -> list[Consent]:
    with db.read() as session:
        return list(session.exec(select(Consent).order_by(col(Consent.id))))


def audits(db: Database) -> list[AuditLog]:
    with db.read() as session:
        query = select(AuditLog).where(col(AuditLog.action).startswith("patient.consent"))
        return list(session.exec(query))


def ask(
    db: Database,
    actor: Actor,
    respond: Callable[[Prompt], str | None],
    patient_id: str = "P1",
    *,
    marketing: bool = False,
    timeout: float = 5,
) -> tuple[object, list[Prompt]]:
    with simulated_pad("pty", respond) as pad:
        outcome = ask_for_consent(
            db,
            actor,
            SignaturePad(pad.url),
            patient_id,
            marketing=marketing,
            now=lambda: NOW,
            timeout=timeout,
        )
    return outcome, pad.prompts


def test_yes_records_transactional_consent_with_version_and_signature(
    db: Database, tech: Actor, pks: dict[str, int]
) -> None:
    outcome, prompts = ask(db, tech, answer_yes)
    rows = ledger(db)
    assert {(r.channel, r.purpose, r.granted, r.source) for r in rows} == {
        ("email", "transactional", True, "sigpad"),
        ("sms", "transactional", True, "sigpad"),
    }
    assert {r.wording_version for r in rows} == {"en-1"}
    assert len({r.evidence for r in rows}) == 1 and len(rows[0].evidence) == 64
    assert {r.username for r in rows} == {"tom"} and rows[0].patient_id == pks["P1"]
    assert len(prompts) == 1 and "Msg & data rates may apply" in prompts[0].text
    assert "Main Street Pharmacy" in prompts[0].text and "STOP" in prompts[0].text
    summary = outcome.summary()  # type: ignore[attr-defined]
    assert "consent recorded for email, sms" in summary and "en-1" in summary
    [entry] = audits(db)
    assert entry.action == "patient.consent.sigpad" and rows[0].evidence in (entry.after or "")


def test_no_records_a_refusal(db: Database, tech: Actor, pks: dict[str, int]) -> None:
    outcome, prompts = ask(db, tech, answer_no, marketing=True)
    rows = ledger(db)
    assert {(r.channel, r.purpose, r.granted, r.evidence) for r in rows} == {
        ("email", "transactional", False, ""),
        ("sms", "transactional", False, ""),
    }
    assert len(prompts) == 1, "no marketing question after a NO to messages"
    assert "said NO" in outcome.summary()  # type: ignore[attr-defined]


def test_marketing_is_a_second_separate_prompt(
    db: Database, tech: Actor, pks: dict[str, int]
) -> None:
    answers = iter([answer_yes, answer_no])
    _, prompts = ask(db, tech, lambda prompt: next(answers)(prompt), marketing=True)
    assert len(prompts) == 2 and "not a condition of any purchase" in prompts[1].text
    rows = {(r.channel, r.purpose, r.granted) for r in ledger(db)}
    assert ("sms", "marketing", False) in rows and ("sms", "transactional", True) in rows


def test_the_patients_language(db: Database, tech: Actor, pks: dict[str, int]) -> None:
    _, prompts = ask(db, tech, answer_yes, "P2")
    assert "ALTO" in prompts[0].text and "Pueden aplicarse tarifas" in prompts[0].text
    assert {r.wording_version for r in ledger(db)} == {"es-1"}


def test_calls_are_named_when_the_store_makes_calls(
    db: Database, tech: Actor, store: Store, pks: dict[str, int]
) -> None:
    with db.transaction() as session:
        session.execute(update(OutboundSetup).values(call_using="ivr"))
    _, prompts = ask(db, tech, answer_yes)
    assert "phone calls" in prompts[0].text
    assert {r.channel for r in ledger(db)} == {"email", "sms", "call"}


@pytest.mark.parametrize(
    ("respond", "timeout", "words"),
    [
        (lambda prompt: None, 0.5, "did not answer within 0.5 s"),
        (lambda prompt: "YES PLEASE", 5, "not an answer"),
    ],
    ids=["timeout", "garbage"],
)
def test_a_fault_records_nothing(
    db: Database,
    tech: Actor,
    pks: dict[str, int],
    respond: Callable[[Prompt], str | None],
    timeout: float,
    words: str,
) -> None:
    with pytest.raises(PadFault) as raised:
        ask(db, tech, respond, timeout=timeout)
    assert words in str(raised.value) and "nothing was recorded" in str(raised.value)
    assert ledger(db) == [] and audits(db) == []


def test_cable_pulled_mid_prompt_records_nothing(
    db: Database, tech: Actor, pks: dict[str, int]
) -> None:
    with simulated_pad("pty", lambda prompt: None) as pad:
        threading.Thread(target=lambda: pad.asked.wait(5) and pad.pull_cable()).start()
        with pytest.raises(PadFault, match="disconnected while waiting"):
            ask_for_consent(
                db, tech, SignaturePad(pad.url), "P1", marketing=False, now=lambda: NOW, timeout=10
            )
    assert ledger(db) == []


def test_cable_pulled_at_the_marketing_prompt_records_nothing(
    db: Database, tech: Actor, pks: dict[str, int]
) -> None:
    """YES to messages, then the pad unplugged at the marketing question: neither is kept."""
    holder: dict[str, object] = {}

    def respond(prompt: Prompt) -> str | None:
        holder.setdefault("n", 0)
        holder["n"] = int(str(holder["n"])) + 1
        if holder["n"] == 1:
            return answer_yes(prompt)
        threading.Timer(0.2, holder["pad"].pull_cable).start()  # type: ignore[attr-defined]
        return None

    with simulated_pad("tcp", respond) as pad:
        holder["pad"] = pad
        with pytest.raises(PadFault, match="disconnected"):
            ask_for_consent(
                db, tech, SignaturePad(pad.url), "P1", marketing=True, now=lambda: NOW, timeout=10
            )
    assert ledger(db) == []


def test_cancel_records_nothing(db: Database, tech: Actor, pks: dict[str, int]) -> None:
    with simulated_pad("pty", lambda prompt: None) as pad:
        driver = SignaturePad(pad.url)
        threading.Thread(target=lambda: pad.asked.wait(5) and driver.cancel()).start()
        with pytest.raises(Cancelled):
            ask_for_consent(db, tech, driver, "P1", marketing=False, now=lambda: NOW, timeout=10)
    assert ledger(db) == []


def test_defaults_applied_when_the_store_applies_them_on_sigpad_consent(
    db: Database, tech: Actor, pks: dict[str, int]
) -> None:
    with db.transaction() as session:
        session.execute(
            update(AlertSettings).values(
                defaults_apply_on="sigpad_consent",
                defaults={"refill": ["sms"], "pickup": ["email"]},
            )
        )
    outcome, _ = ask(db, tech, answer_yes)
    assert outcome.defaults_applied  # type: ignore[attr-defined]
    with db.read() as session:
        prefs = {
            (p.alert, p.email, p.sms)
            for p in session.exec(
                select(PatientMessagePrefs).where(PatientMessagePrefs.patient_id == pks["P1"])
            )
        }
    assert prefs == {("refill", False, True), ("pickup", True, False)}


def test_defaults_not_applied_on_no_or_when_applied_to_new_patients(
    db: Database, tech: Actor, pks: dict[str, int]
) -> None:
    with db.transaction() as session:
        session.execute(update(AlertSettings).values(defaults={"refill": ["sms"]}))
    outcome, _ = ask(db, tech, answer_yes)
    assert not outcome.defaults_applied  # type: ignore[attr-defined]
    with db.transaction() as session:
        session.execute(update(AlertSettings).values(defaults_apply_on="sigpad_consent"))
    ask(db, tech, answer_no)
    with db.read() as session:
        assert session.exec(select(PatientMessagePrefs)).all() == []


def test_unknown_patient_asks_nothing(db: Database, tech: Actor, pks: dict[str, int]) -> None:
    with simulated_pad("pty", answer_yes) as pad, pytest.raises(NotFound):
        ask_for_consent(db, tech, SignaturePad(pad.url), "NOPE", marketing=False, now=lambda: NOW)
    assert pad.prompts == []


def test_admin_edits_make_a_new_version_used_from_then_on(
    db: Database, admin: Actor, tech: Actor, pks: dict[str, int]
) -> None:
    first = {(w.purpose, w.language): w for w in current_wordings(db, admin, now=NOW)}
    assert first["transactional", "en"].version == "en-1" and len(first) == 4
    saved = save_wording(
        db,
        admin,
        purpose="transactional",
        language="en",
        text="Main Street Pharmacy may text you about your prescriptions. Reply STOP to stop.",
        channels=["sms"],
        now=NOW,
    )
    assert saved.version == "en-2" and saved.channels == ("sms",)
    _, prompts = ask(db, tech, answer_yes)
    assert prompts[0].text.startswith("Main Street Pharmacy may text you")
    assert {(r.channel, r.wording_version) for r in ledger(db)} == {("sms", "en-2")}
    with db.read() as session:
        entry = session.exec(
            select(AuditLog).where(AuditLog.action == "consent_wording.save")
        ).one()
    assert json.loads(entry.before or "{}")["version"] == "en-1"
    assert json.loads(entry.after or "{}")["version"] == "en-2"


def test_technicians_cannot_change_the_wording(db: Database, tech: Actor) -> None:
    with pytest.raises(PermissionDenied, match="technician"):
        save_wording(
            db, tech, purpose="marketing", language="en", text="x", channels=["sms"], now=NOW
        )


@pytest.mark.parametrize(
    ("text", "channels", "field"),
    [("   ", ["sms"], "text"), ("ok", [], "channels"), ("ok", ["fax"], "channels")],
)
def test_bad_wording_is_refused_at_its_field(
    db: Database, admin: Actor, text: str, channels: list[str], field: str
) -> None:
    with pytest.raises(FieldError) as raised:
        save_wording(
            db, admin, purpose="marketing", language="en", text=text, channels=channels, now=NOW
        )
    assert raised.value.field == field
