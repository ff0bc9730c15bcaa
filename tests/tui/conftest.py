"""A real AppContext over a migrated SQLite file, a small pharmacy in it, and Pilot helpers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from tests.conftest import NOW, backend_url
from tests.tui.seed import (
    insert_consent,
    insert_drug,
    insert_patients,
    insert_prefs,
    insert_rx,
    patient,
)

SMITH = "1001"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite for the screens; a test marked BOTH_DATABASES runs on PostgreSQL as well.

    The queries under the screens are tested on both databases on their own, and
    far faster than through Pilot.
    """
    return backend_url(request, getattr(request, "param", "sqlite"), tmp_path)


BOTH_DATABASES = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)


@pytest.fixture
def context(
    db: Database,
    store: Store,
    admin: Actor,
    clock: Clock,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AppContext:
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    return AppContext(settings=settings, clock=clock, db=db, store=store, actor=admin)


@pytest.fixture
def pharmacy(db: Database, store: Store) -> dict[str, int]:
    """Four patients; John Smith has two Rxs, consent and message settings."""
    assert store.id is not None
    ids = insert_patients(
        db,
        store.id,
        [
            patient(
                SMITH,
                "John",
                "Smith",
                dob=date(1980, 4, 12),
                cell_phone="+15550102000",
                email="john.smith@example.com",
                cell_verified=True,
            ),
            patient("1002", "Maria", "Garcia", language="es", cell_phone="+15550103000"),
            patient("1003", "Ann", "Smithers"),
            patient("1004", "Bob", "Adams", email="bob@example.com"),
        ],
    )
    lisinopril = insert_drug(db, store.id, "00093-7339-01", "Lisinopril 10 mg tablet")
    metformin = insert_drug(db, store.id, "00093-1048-01", "Metformin 500 mg tablet")
    insert_rx(db, store.id, ids[SMITH], lisinopril, "600123", last_fill=date(2026, 2, 1))
    insert_rx(
        db, store.id, ids[SMITH], metformin, "600124", last_fill=date(2025, 11, 1), active=False
    )
    insert_consent(db, store.id, ids[SMITH], "sms", "transactional", granted=True, at=NOW)
    insert_consent(
        db, store.id, ids[SMITH], "email", "marketing", granted=True, at=NOW - timedelta(days=2)
    )
    insert_consent(db, store.id, ids[SMITH], "email", "marketing", granted=False, at=NOW)
    insert_prefs(db, store.id, ids[SMITH], "refill", "sms")
    insert_prefs(db, store.id, ids[SMITH], "pickup", "sms", "email")
    return ids


@pytest.fixture
def app(context: AppContext, pharmacy: dict[str, int]) -> RxMsgApp:
    return RxMsgApp(context)


async def settle(pilot: Pilot[None]) -> None:
    """Let database workers finish and their results reach the screen."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))
