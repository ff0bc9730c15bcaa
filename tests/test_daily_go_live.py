"""Go-live: the patients a store has when it starts messaging get no Welcome Greeting.

Before, importing an existing pharmacy's patients and running the daily
process welcomed every one of them (300,000 greetings for 150,000 patients).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.daily.go_live import go_live_line, mark_go_live, read_go_live
from rxmsg_tui.services.importing import import_patients
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Patient, Store
from tests.conftest import NOW
from tests.daily_world import World

TODAY = date(2026, 3, 2)
HEADER = (
    "patient_id,first_name,last_name,dob,cell_phone,email,language,consent,"
    "cell_verified,email_verified,zip"
)


def _row(patient_id: str, number: int) -> str:
    return f"{patient_id},Pat,Lee{number},1970-05-05,(201) 555-{number:04d},,en,Y,Y,N,07030"


def _import(db: Database, admin: Actor, path: Path, day: date) -> None:
    now = NOW + timedelta(days=(day - TODAY).days)
    import_patients(db, admin, path, today=day, now=now)


def _welcomes(world: World) -> list[str]:
    return sorted(
        key.split(":")[2] for alert, _, key in world.queued() if alert == "Welcome Greeting"
    )


def test_the_first_import_goes_live_and_welcomes_nobody_later_imports_welcome_the_new(
    db: Database, store: Store, admin: Actor, tmp_path: Path
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=[], welcome_channels=["sms"], defaults={"welcome": ["sms"]})
    first = tmp_path / "patients.csv"
    first.write_text("\n".join([HEADER, *(_row(f"P{n}", n) for n in range(1, 6))]) + "\n")
    _import(db, admin, first, TODAY)
    result = run_daily(db, admin, now=NOW, day=TODAY)
    assert result.queued["welcome"] == 0 and _welcomes(world) == []
    with db.engine.begin() as conn:
        assert conn.scalar(select(Store.go_live).where(Store.id == store.id)) == TODAY
        assert not any(conn.scalars(select(Patient.is_new)))

    later = tmp_path / "patients-later.csv"
    later.write_text(
        "\n".join([
            HEADER + ",new_patient",
            _row("P1", 1) + ",",  # known: stays not new
            _row("P9", 9) + ",",  # first seen now: new
            _row("P10", 10) + ",N",  # first seen now, but the pharmacy had them before
        ]) + "\n"
    )  # fmt: skip
    day2 = TODAY + timedelta(days=1)
    _import(db, admin, later, day2)
    run_daily(db, admin, now=NOW + timedelta(days=1), day=day2)
    assert _welcomes(world) == ["P9"]
    with db.engine.begin() as conn:
        assert conn.scalar(select(Store.go_live).where(Store.id == store.id)) == TODAY


def test_an_existing_patient_who_consents_after_go_live_is_welcomed(
    db: Database, store: Store, admin: Actor, tmp_path: Path
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=[], welcome_channels=["sms"], defaults={"welcome": ["sms"]})
    path = tmp_path / "patients.csv"
    path.write_text("\n".join([HEADER, _row("P1", 1), _row("P2", 2).replace(",Y,Y,", ",N,Y,")]))
    _import(db, admin, path, TODAY)
    with db.engine.begin() as conn:
        p2 = conn.scalar(select(Patient.id).where(Patient.patient_id == "P2"))
    day2 = TODAY + timedelta(days=2)
    world.consent(p2, "sms", "transactional", granted=True, at=NOW + timedelta(days=2),
                  source="sigpad")  # fmt: skip
    run_daily(db, admin, now=NOW + timedelta(days=2), day=day2)
    assert _welcomes(world) == ["P2"]


def test_patients_added_before_going_live_are_not_new_after_it(
    db: Database, store: Store, admin: Actor, tmp_path: Path
) -> None:
    """The demo's way: patients written first, then the store goes live with them."""
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=[], welcome_channels=["sms"])
    world.patient("D1", created_at=NOW)
    assert read_go_live(db, store.id) is None
    assert go_live_line(None).startswith("Not live yet")
    with db.engine.begin() as conn:
        assert mark_go_live(conn, store.id, TODAY)
        assert not mark_go_live(conn, store.id, TODAY + timedelta(days=9))
    run_daily(db, admin, now=NOW, day=TODAY)
    assert _welcomes(world) == []
    assert go_live_line(read_go_live(db, store.id)) == "Messaging went live on 03/02/2026"


def test_with_defaults_on_sigpad_consent_only_a_signature_after_go_live_welcomes(
    db: Database, store: Store, admin: Actor
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=[], welcome_channels=["sms"],
                   defaults_apply_on="sigpad_consent")  # fmt: skip
    old = world.patient("OLD", consent=())
    world.consent(old, "sms", "transactional", granted=True, at=NOW, source="sigpad")
    with db.engine.begin() as conn:
        mark_go_live(conn, store.id, TODAY)  # the signature was part of going live
    run_daily(db, admin, now=NOW, day=TODAY)
    assert _welcomes(world) == []
    later = NOW + timedelta(days=3)
    world.consent(old, "sms", "transactional", granted=True, at=later, source="sigpad")
    run_daily(db, admin, now=later, day=TODAY + timedelta(days=3))
    assert _welcomes(world) == ["OLD"]
