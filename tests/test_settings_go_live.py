"""`store.go_live` and `alerts.flood_guard_share` as settings keys: shown, checked, locked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.settings_keys import SettingError
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import PermissionDenied
from rxmsg_tui.services.store_settings import change_settings, export_settings, read_settings
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from tests.unlock_codes import SUPPORT_PUBLIC_PEM, unlock_code


def _change(db: Database, actor: Actor, clock: Clock, changes: dict[str, object],
            code: str | None = None) -> list[str]:  # fmt: skip
    return change_settings(
        db, actor, changes, unlock_code=code, public_key=SUPPORT_PUBLIC_PEM, now=clock.now()
    )


def test_the_two_keys_are_shown_with_their_defaults(db: Database, admin: Actor) -> None:
    values = read_settings(db, admin.store_id)
    assert values["store.go_live"] is None
    assert values["alerts.flood_guard_share"] == 0.05


def test_an_admin_sets_go_live_and_a_pharmacist_cannot(
    db: Database, store: Store, admin: Actor, clock: Clock, tmp_path: Path
) -> None:
    pharmacist = Actor(admin.store_id, admin.store_code, "pat", Role.PHARMACIST)
    with pytest.raises(PermissionDenied, match="only an admin"):
        _change(db, pharmacist, clock, {"store.go_live": "2026-12-07"})
    assert _change(db, admin, clock, {"store.go_live": "2026-12-07"}) == ["store.go_live"]
    assert read_settings(db, admin.store_id)["store.go_live"] == "2026-12-07"
    export_settings(db, store, tmp_path / "settings.json")
    exported = json.loads((tmp_path / "settings.json").read_text())["settings"]
    assert exported["store.go_live"] == "2026-12-07"
    assert _change(db, admin, clock, {"store.go_live": None}) == ["store.go_live"]


@pytest.mark.parametrize("value", ["12/07/2026", "9999-99-99", 3, True])
def test_a_bad_go_live_is_refused_in_one_line(
    db: Database, admin: Actor, clock: Clock, value: object
) -> None:
    with pytest.raises(SettingError, match=r"store\.go_live"):
        _change(db, admin, clock, {"store.go_live": value})


def test_the_flood_guard_share_is_locked_and_between_0_and_1(
    db: Database, admin: Actor, clock: Clock
) -> None:
    with pytest.raises(PermissionDenied, match="locked"):
        _change(db, admin, clock, {"alerts.flood_guard_share": 0.2})
    for bad in (1.5, -0.1, "5%", True):
        with pytest.raises(SettingError, match=r"alerts\.flood_guard_share"):
            _change(db, admin, clock, {"alerts.flood_guard_share": bad})
    changed = _change(db, admin, clock, {"alerts.flood_guard_share": 0.2}, unlock_code("TEST"))
    assert changed == ["alerts.flood_guard_share"]
    assert read_settings(db, admin.store_id)["alerts.flood_guard_share"] == 0.2
