"""The demo pharmacy: built once, kept as staff leave it, `reset` to build anew, own database only."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import func
from sqlmodel import select

import rxmsg_tui.services.demo.build as demo_build
from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.restricted_words import DEFAULT_RESTRICTED_WORDS
from rxmsg_tui.domain.settings_keys import calls_in_use, validate
from rxmsg_tui.services.demo import DEMO_STORE_CODE, build_demo
from rxmsg_tui.services.demo.catalogue import DRUGS
from rxmsg_tui.services.demo.generator import PatientBatch, generate
from rxmsg_tui.services.demo.store_profile import ALERTS, PATIENT_DEFAULTS
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    AppUser,
    AuditLog,
    Consent,
    Drug,
    OutboundMessage,
    OutboundSetup,
    Patient,
    PatientMessagePrefs,
    Prescription,
    RestrictedWord,
    ReviewSite,
    Store,
)
from tests.conftest import NOW

ZONE = ZoneInfo("America/Chicago")
TABLES = (Store, AppUser, Drug, Patient, Prescription, Consent, PatientMessagePrefs, ReviewSite)


def _demo(db: Database, clock: Clock, patients: int = 200, **kwargs: Any) -> Any:
    return build_demo(db, patients=patients, now=clock.now(), username="alice", **kwargs)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in TABLES
        }


def _rx_rows(db: Database) -> list[tuple[Prescription, Drug]]:
    with db.read() as session:
        return list(session.exec(select(Prescription, Drug).where(Prescription.drug_id == Drug.id)))


def test_store_settings_and_review_sites_are_filled_in(db: Database, clock: Clock) -> None:
    _demo(db, clock)
    with db.read() as session:
        store = session.exec(select(Store).where(Store.code == DEMO_STORE_CODE)).one()
        setup = session.exec(select(OutboundSetup)).one()
        alerts = session.exec(select(AlertSettings)).one()
        sites = list(session.exec(select(ReviewSite)))
        user = session.exec(select(AppUser)).one()
        actions = list(session.exec(select(AuditLog.action)))
    assert store.timezone == "America/Chicago" and store.hours and store.address
    assert phonenumbers.is_valid_number(phonenumbers.parse(store.phone, "US"))
    assert (setup.email_using, setup.sms_using, setup.call_using) == (
        "email_service_api", "sms_service_api", "none",
    )  # fmt: skip
    values = {
        "alerts.refill.channels": alerts.refill_channels,
        "alerts.refill.before_days": alerts.refill_before_days,
        "alerts.refill.after_days": alerts.refill_after_days,
        "alerts.pickup.channels": alerts.pickup_channels,
        "alerts.pickup.trigger": alerts.pickup_trigger,
        "alerts.pickup.followup_days": alerts.pickup_followup_days,
        "alerts.birthday.channels": alerts.birthday_channels,
        "alerts.welcome.channels": alerts.welcome_channels,
        "alerts.general.channels": alerts.general_channels,
        "alerts.review.channels": alerts.review_channels,
        "alerts.email_sms_window": alerts.email_sms_window,
        "alerts.call_window": alerts.call_window,
        "alerts.days": alerts.days,
        "alerts.daily_start": alerts.daily_start,
        "defaults.apply_on": alerts.defaults_apply_on,
    } | {f"defaults.{k}.channels": v for k, v in alerts.defaults.items()}
    for key, value in values.items():
        assert validate(key, value) == value, key
    assert alerts.refill_channels == ["email", "sms"] and alerts.pickup_followup_days == [3, 7]
    assert (alerts.refill_before_days, alerts.refill_after_days) == (3, 7)
    assert alerts.days == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert alerts.defaults == PATIENT_DEFAULTS and set(alerts.defaults) == {
        "refill", "pickup", "pickup_confirmation", "birthday", "welcome", "general", "review",
    }  # fmt: skip
    assert calls_in_use(values) == []  # calls are off, so no alert may use them
    assert len(sites) >= 2 and sum(site.is_default for site in sites) == 1
    assert (user.username, user.role, user.store_id) == ("alice", "admin", store.id)
    assert actions.count("user.add") == 1 and "demo.refresh" in actions


def test_the_demo_is_a_test_store_live_on_its_first_day_with_no_new_patients(
    db: Database, clock: Clock
) -> None:
    """RXMSG_NOW may move its clock; the daily process does not welcome the whole demo."""
    _demo(db, clock)
    with db.read() as session:
        store = session.exec(select(Store)).one()
        new = session.exec(select(func.count()).select_from(Patient).where(Patient.is_new)).one()
    assert store.is_test is True and store.go_live == clock.today(ZONE)
    assert new == 0


def test_patients_cover_every_contact_and_consent_case(db: Database, clock: Clock) -> None:
    _demo(db, clock)
    with db.read() as session:
        patients = list(session.exec(select(Patient)))
        consents = list(session.exec(select(Consent)))
        prefs = list(session.exec(select(PatientMessagePrefs)))
    assert len(patients) == 200
    assert len({p.patient_id for p in patients}) == 200
    assert all(p.patient_id.startswith("D") and len(p.patient_id) == 7 for p in patients)
    assert [p.dob.month for p in patients if p.dob and (p.dob.month, p.dob.day) == (2, 29)] == [2]
    phones = [p.cell_phone for p in patients]
    valid = [ph for ph in phones if ph and ph.startswith("+")]
    assert None in phones and "555-12" in phones
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(ph)) for ph in valid)
    assert all("55501" in ph for ph in valid)  # the fictional 555-01xx block only
    emails = [p.email for p in patients]
    assert None in emails and "jane@@example" in emails
    good = [e for e in emails if e and e.endswith(("@example.com", "@example.org"))]
    assert len(good) > 150
    assert any(p.cell_phone in valid and not p.cell_verified for p in patients)
    assert any(p.email in good and not p.email_verified for p in patients)
    assert not any(p.cell_verified for p in patients if p.cell_phone not in valid)
    assert {p.language for p in patients} == {"en", "es"}
    by_patient = Counter(c.patient_id for c in consents)
    assert 0 < sum(1 for p in patients if p.id not in by_patient) < 40
    assert {(c.purpose, c.granted) for c in consents} >= {
        ("transactional", True), ("marketing", True), ("transactional", False),
    }  # fmt: skip
    assert {c.source for c in consents} == {"import", "verbal", "sms-keyword"}
    assert len(prefs) == 200 * len(PATIENT_DEFAULTS)
    refill = [p for p in prefs if p.alert == "refill"]
    assert all(p.email and p.sms and not p.call for p in refill)


def test_prescriptions_fall_before_inside_and_after_the_refill_window(
    db: Database, clock: Clock
) -> None:
    _demo(db, clock)
    today = clock.today(ZONE)
    rows = _rx_rows(db)
    assert len(rows) == 1000
    before, after = ALERTS["refill_before_days"], ALERTS["refill_after_days"]
    place = Counter(_place(rx.due_date, today, before, after) for rx, _drug in rows)
    assert set(place) == {"not yet due", "due", "past due", "too late"}
    assert min(place.values()) >= 20
    assert all(rx.due_date == rx.last_fill_date + timedelta(days=rx.days_supply) for rx, _ in rows)
    assert all(rx.last_fill_date <= today for rx, _ in rows)
    assert {drug.dea_schedule for _, drug in rows} == {0, 2, 3, 4, 5}
    with db.read() as session:
        ndcs = list(session.exec(select(Drug.ndc)))
    assert len(ndcs) == len(set(ndcs)) == len(DRUGS)
    assert all(re.fullmatch(r"\d{5}-\d{4}-\d{2}", ndc) for ndc in ndcs)
    assert {drug.maintenance for _, drug in rows} == {True, False}
    assert all(rx.refills_remaining == 0 for rx, drug in rows if drug.dea_schedule == 2)
    assert any(rx.refills_remaining == 0 for rx, drug in rows if drug.dea_schedule != 2)
    assert 0 < sum(not rx.active for rx, _ in rows) < 200


def _place(due: date, today: date, before: int, after: int) -> str:
    if due > today + timedelta(days=before):
        return "not yet due"
    if due >= today:
        return "due"
    if due >= today - timedelta(days=after):
        return "past due"
    return "too late"


def test_rerun_duplicates_nothing(db: Database, clock: Clock) -> None:
    first = _demo(db, clock)
    counts = _counts(db)
    again = _demo(db, clock)
    assert _counts(db) == counts
    assert counts["Patient"] == 200 and counts["Prescription"] == 1000
    assert (first.new_patients, again.new_patients) == (200, 0)
    assert (again.consent_rows, again.prefs_rows, again.user_added) == (0, 0, False)
    with db.read() as session:
        actions = list(session.exec(select(AuditLog.action)))
    assert actions.count("user.add") == 1 and actions.count("demo.refresh") == 2


def test_refresh_on_a_later_day_re_anchors_due_dates(db: Database, clock: Clock) -> None:
    _demo(db, clock)
    today = clock.today(ZONE)
    first = {rx.rx_number: rx.due_date - today for rx, _ in _rx_rows(db)}
    later = Clock(clock.now() + timedelta(days=10))
    _demo(db, later)
    later_today = later.today(ZONE)
    assert later_today == today + timedelta(days=10)
    second = {rx.rx_number: rx.due_date - later_today for rx, _ in _rx_rows(db)}
    assert second == first
    assert all(rx.updated_at >= later.now() - timedelta(minutes=1) for rx, _ in _rx_rows(db))


def test_a_demo_built_before_go_live_existed_goes_live_without_new_patients(
    db: Database, clock: Clock
) -> None:
    _demo(db, clock)
    with db.transaction() as session:  # as the schema upgrade leaves an older demo
        store = session.exec(select(Store)).one()
        store.go_live, store.is_test = None, False
        session.add(store)
        for patient in session.exec(select(Patient)):
            patient.is_new = True
            session.add(patient)
    kept = _demo(db, clock)
    assert kept.built is False
    with db.read() as session:
        store = session.exec(select(Store)).one()
        new = session.exec(select(func.count()).select_from(Patient).where(Patient.is_new)).one()
    assert (store.go_live, store.is_test, new) == (clock.today(ZONE), True, 0)


def _change_what_staff_may_change(db: Database) -> None:
    with db.transaction() as session:
        alerts = session.exec(select(AlertSettings)).one()
        alerts.refill_before_days = 9
        for site in session.exec(select(ReviewSite)):
            site.is_default = True
            session.add(site)
        session.add(alerts)
        session.delete(session.exec(select(Patient).where(Patient.patient_id == "D000012")).one())


def test_a_rerun_keeps_the_settings_and_patients_staff_changed(db: Database, clock: Clock) -> None:
    _demo(db, clock)
    _change_what_staff_may_change(db)
    counts = _counts(db)
    with db.read() as session:
        built = list(session.exec(select(AuditLog.action)))
    again = _demo(db, clock)
    assert again.built is False and again.new_patients == 0
    with db.read() as session:
        assert session.exec(select(AlertSettings)).one().refill_before_days == 9
        assert sum(site.is_default for site in session.exec(select(ReviewSite))) == 3
        kept = session.exec(select(Patient).where(Patient.patient_id == "D000012")).first()
        actions = list(session.exec(select(AuditLog.action)))
    assert kept is None and _counts(db) == counts
    assert actions.count("demo.settings") == built.count("demo.settings")


def test_a_bigger_rerun_keeps_the_demo_and_reset_builds_the_bigger_one(
    db: Database, clock: Clock
) -> None:
    _demo(db, clock, patients=150)
    kept = _demo(db, clock, patients=300)
    assert (kept.built, kept.new_patients, kept.store_patients) == (False, 0, 150)
    bigger = _demo(db, clock, patients=300, reset=True)
    assert (bigger.built, bigger.reset) == (True, True)
    assert (bigger.new_patients, bigger.store_patients, bigger.store_prescriptions) == (
        300,
        300,
        1500,
    )
    with db.read() as session:
        prefs = session.exec(select(func.count()).select_from(PatientMessagePrefs)).one()
    assert prefs == 300 * len(PATIENT_DEFAULTS)
    smaller = _demo(db, clock, patients=100, reset=True)
    assert (smaller.new_patients, smaller.store_patients) == (100, 100)


def test_reset_builds_the_demo_anew_and_says_so_in_the_audit_log(
    db: Database, clock: Clock
) -> None:
    _demo(db, clock, patients=30)
    with db.read() as session:
        before = session.exec(select(Patient).where(Patient.patient_id == "D000011")).one()
        first = before.model_dump(exclude={"id", "created_at", "updated_at"})
    counts = _counts(db)
    _change_what_staff_may_change(db)
    with db.transaction() as session:  # something in the queue, which the reset empties too
        store = session.exec(select(Store)).one()
        session.add(_queued(store, before))
    reset = _demo(db, clock, patients=30, reset=True)
    assert (reset.built, reset.reset, reset.user_added) == (True, True, False)
    assert _counts(db) == counts
    with db.read() as session:
        assert session.exec(select(AlertSettings)).one().refill_before_days == 3
        assert sum(site.is_default for site in session.exec(select(ReviewSite))) == 1
        again = session.exec(select(Patient).where(Patient.patient_id == "D000011")).one()
        queued = session.exec(select(func.count()).select_from(OutboundMessage)).one()
        words = session.exec(select(func.count()).select_from(RestrictedWord)).one()
        entry = session.exec(select(AuditLog).where(AuditLog.action == "demo.reset")).one()
        users = list(session.exec(select(AppUser.username)))
    assert again.model_dump(exclude={"id", "created_at", "updated_at"}) == first
    assert queued == 0 and words == len(DEFAULT_RESTRICTED_WORDS) and users == ["alice"]
    deleted = json.loads(entry.before or "{}")
    assert deleted["patient"] == 29 and deleted["outbound_message"] == 1
    assert entry.username == "alice"


def _queued(store: Store, patient: Patient) -> OutboundMessage:
    now = NOW
    assert store.id is not None
    return OutboundMessage(
        uuid=str(uuid.uuid4()),
        store_id=store.id,
        patient_id=patient.id,
        method="SMS",
        alert_type="General",
        priority=3,
        entity="Patient",
        entity_name="x",
        recipient="+13125550100",
        subject="",
        body="hello",
        status="Pending",
        created_at=now,
        scheduled_at=now,
    )


@pytest.mark.parametrize("reset", [False, True])
def test_a_database_with_another_store_is_refused_and_nothing_written(
    db: Database, clock: Clock, store: Store, reset: bool
) -> None:
    with db.read() as session:
        audit_rows = session.exec(select(func.count()).select_from(AuditLog)).one()
    counts = _counts(db)
    with pytest.raises(PermissionDenied) as refused:
        _demo(db, clock, reset=reset)
    assert str(refused.value) == (
        "this database holds store TEST, which is not a demo; "
        "rxmsg demo only runs on a database of its own"
    )
    assert _counts(db) == counts
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(AuditLog)).one() == audit_rows


def test_failure_midway_leaves_nothing_written(db: Database, clock: Clock) -> None:
    def fail_on_second_batch(done: int, total: int) -> None:
        if done > 50:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _demo(db, clock, batch_size=50, progress=fail_on_second_batch)
    assert _counts(db) == {model.__name__: 0 for model in TABLES}


def test_a_generator_failure_surfaces_and_leaves_nothing_written(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def one_batch_then_fail(indices: Iterable[int], *, batch_size: int) -> Iterator[PatientBatch]:
        yield next(generate(list(indices)[:10], batch_size=10))
        raise ValueError("bad catalogue entry")

    monkeypatch.setattr(demo_build, "generate", one_batch_then_fail)
    with pytest.raises(ValueError, match="bad catalogue entry"):
        _demo(db, clock)
    assert _counts(db) == {model.__name__: 0 for model in TABLES}


@pytest.mark.parametrize("patients", [0, 1_000_001])
def test_patient_count_out_of_range_is_refused(db: Database, clock: Clock, patients: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 1,000,000"):
        _demo(db, clock, patients=patients)
    assert _counts(db)["Store"] == 0


def test_patient_n_is_the_same_whatever_else_is_generated() -> None:
    every = list(generate(range(1, 41), batch_size=7))
    patients = [p for batch in every for p in batch.patients]
    rxs = [rx for batch in every for rx in batch.prescriptions]
    (some,) = generate([40, 3, 17], batch_size=10)
    assert some.patients == [patients[39], patients[2], patients[16]]
    wanted = {"D000040", "D000003", "D000017"}
    assert sorted(some.prescriptions) == sorted(rx for rx in rxs if rx.patient_key in wanted)
