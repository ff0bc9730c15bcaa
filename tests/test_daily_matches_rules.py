"""The set-based daily process against the plain Python rules, on random prescriptions.

`tests.refill_oracle` states each rule in a few lines; the daily process
applies the same rules in SQL. Here both judge the same 300 prescriptions and
120 birthdays over two weeks that cross a window's edges and 28/29 February,
and must agree key for key. Texts are compared with Jinja2's rendering of the
same format, HTML escaping included.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from rxmsg_tui.domain.templates import render
from rxmsg_tui.domain.vocabulary import AlertType, Channel, Method
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import greetings, run_daily
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog, DailyRun, MessageFormat, Store
from tests.conftest import NOW
from tests.daily_world import World
from tests.refill_oracle import (
    RefillSettings,
    RxFacts,
    is_birthday,
    refill_dedupe_key,
    refill_reminder,
)

START = date(2028, 2, 20)  # a leap year: 28 and 29 February are both in the range


def test_refill_reminders_match_the_rule(db: Database, store: Store, admin: Actor) -> None:
    assert store.id is not None
    rng = random.Random(20261128)
    world = World(db, store.id)
    rules = RefillSettings(before_days=2, after_days=4, non_maintenance=True, c2_drugs=True)
    world.settings(refill_channels=["sms"], refill_before_days=2, refill_after_days=4,
                   refill_non_maintenance=True, c2_drugs=True, control_drugs=False)  # fmt: skip
    drugs = {
        (maintenance, dea): world.drug(f"{int(maintenance)}{dea}", maintenance=maintenance, dea=dea)
        for maintenance in (True, False)
        for dea in (0, 2, 3, 4, 5)
    }
    pk = world.patient()
    facts: dict[str, RxFacts] = {}
    for n in range(300):
        rx = RxFacts(
            last_fill_date=START - timedelta(days=rng.randint(0, 40)),
            days_supply=rng.choice((7, 14, 28, 30)),
            refills_remaining=rng.choice((0, 1, 5)),
            active=rng.random() > 0.1,
            maintenance=rng.random() > 0.3,
            dea_schedule=rng.choice((0, 0, 0, 2, 3, 4, 5)),
        )
        facts[f"R{n:04d}"] = rx
        world.rx(pk, drugs[(rx.maintenance, rx.dea_schedule)], f"R{n:04d}",
                 last_fill=rx.last_fill_date, days_supply=rx.days_supply,
                 refills=rx.refills_remaining, active=rx.active)  # fmt: skip
    expected: set[str] = set()
    for offset in range(14):
        today = START + timedelta(days=offset)
        run_daily(db, admin, now=NOW, day=today)
        for number, rx in facts.items():
            if kind := refill_reminder(rx, rules, today):
                expected.add(refill_dedupe_key(store.code, number, kind, rx, Channel.SMS))
        assert {key for _, _, key in world.queued()} == expected, f"after {today}"
    assert len(expected) > 50  # the sample really exercises the windows


@pytest.mark.parametrize("by", ["date lookups", "reading every patient"])
def test_birthdays_match_the_rule(
    db: Database, store: Store, admin: Actor, monkeypatch: pytest.MonkeyPatch, by: str
) -> None:
    """Found by their dates in each birth year, or by month and day when the years span far."""
    assert store.id is not None
    if by == "reading every patient":
        monkeypatch.setattr(greetings, "MAX_BIRTH_DATES", 0)
    rng = random.Random(7)
    world = World(db, store.id)
    world.patient("NODOB", dob=None)  # no date of birth: never a birthday
    world.settings(refill_channels=[], birthday_channels=["email"])
    dobs: dict[str, date] = {}
    for n in range(60):
        dob = START + timedelta(days=rng.randint(0, 13))
        dob = dob.replace(year=rng.choice((1960, 1972, 1984)) if dob.day != 29 else 1996)
        dobs[f"B{n:03d}"] = dob
        world.patient(f"B{n:03d}", dob=dob)
    for year in (2027, 2028):
        for offset in range(14):
            run_daily(db, admin, now=NOW, day=START.replace(year=year) + timedelta(days=offset))
    expected = {
        f"{store.code}:birthday:{patient_id}:{year}:email"
        for patient_id, dob in dobs.items()
        for year in (2027, 2028)
        for offset in range(14)
        if is_birthday(dob, START.replace(year=year) + timedelta(days=offset))
    }
    assert {key for _, _, key in world.queued()} == expected
    assert any(dob.month == 2 and dob.day == 29 for dob in dobs.values())


def test_texts_filled_in_by_the_database_match_jinja(
    db: Database, store: Store, admin: Actor
) -> None:
    """An HTML email (escaped), a plain SMS in Spanish, and a format with `if` (rendered)."""
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=["email", "sms"])
    html = "<p>Dear #PATIENTNAME#,</p><p>#DRUGNAME# is due #DUEDATE# at #STORENAME#.</p>"
    sms = "{% if refills_remaining == '1' %}Last refill! {% endif %}Hola #PATIENTFIRSTNAME#"
    with db.engine.begin() as conn:
        conn.execute(insert(MessageFormat), [
            {"store_id": store.id, "method": Method.EMAIL.value, "language": "en",
             "alert_type": AlertType.REFILL_REMINDER.value, "subject": "Hi #PATIENTFIRSTNAME#",
             "body": html, "updated_at": NOW},
            {"store_id": store.id, "method": Method.SMS.value, "language": "es",
             "alert_type": AlertType.REFILL_REMINDER.value, "subject": "", "body": sms,
             "updated_at": NOW},
        ])  # fmt: skip
        conn.execute(update(Store).where(Store.id == store.id).values(name="Smith & Sons"))
    pk = world.patient(first_name="O'Neil", last_name='<b>"Jr"</b>', language="es")
    rx_id = world.rx(pk, world.drug(), "7001", refills=1)
    assert rx_id
    run_daily(db, admin, now=NOW, day=date(2026, 3, 31))
    values = {
        "patient_name": "O'Neil <b>\"Jr\"</b>", "patient_first_name": "O'Neil",
        "drug_name": "Drug 00001", "due_date": "03/31/2026", "store_name": "Smith & Sons",
        "refills_remaining": "1",
    }  # fmt: skip
    by_method = {m.method: m for m in world.messages()}
    email, text = by_method[Method.EMAIL.value], by_method[Method.SMS.value]
    assert email.body == render(html, values, html=True)
    assert "O&#39;Neil &lt;b&gt;&#34;Jr&#34;&lt;/b&gt;" in email.body
    assert "Smith &amp; Sons" in email.body
    assert email.subject == "Hi O'Neil"
    assert text.body == "Last refill! Hola O'Neil"


def test_catching_up_covers_the_missed_days_and_is_recorded(
    db: Database, store: Store, admin: Actor
) -> None:
    """Down from the 3rd to the 6th: the birthdays of the 4th to the 6th still go, once."""
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=[], birthday_channels=["sms"])
    for n, day in enumerate((3, 4, 5, 6, 7)):
        world.patient(f"C{n}", dob=date(1980, 7, day))
    noon = datetime(2026, 7, 3, 16, tzinfo=UTC)
    run_daily(db, admin, now=noon, catch_up=True)
    result = run_daily(db, admin, now=noon + timedelta(days=3), catch_up=True)
    assert (result.since, result.day) == (date(2026, 7, 4), date(2026, 7, 6))
    assert result.queued["birthday"] == 3
    assert [key.split(":")[2] for _, _, key in world.queued()] == ["C0", "C1", "C2", "C3"]
    again = run_daily(db, admin, now=noon + timedelta(days=3, hours=1), catch_up=True)
    assert (again.since, again.total) == (date(2026, 7, 6), 0)
    with db.engine.begin() as conn:
        runs = conn.execute(select(DailyRun.run_date, DailyRun.caught_up_from)).all()
        audits = conn.execute(select(AuditLog.target).where(AuditLog.action == "daily.run")).all()
    assert sorted(runs)[1] == (date(2026, 7, 6), date(2026, 7, 4))
    assert len(runs) == len(audits) == 3


def test_catch_up_stops_after_a_week(db: Database, store: Store, admin: Actor) -> None:
    noon = datetime(2026, 7, 1, 16, tzinfo=UTC)
    run_daily(db, admin, now=noon, catch_up=True)
    result = run_daily(db, admin, now=noon + timedelta(days=30), catch_up=True)
    assert result.since == result.day - timedelta(days=6)
