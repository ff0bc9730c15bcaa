"""Keys rebound in the config file's keymap, at 80x24: the new key works, the old one is free."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Static

import rxmsg_tui
from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.config import Settings
from rxmsg_tui.dialogs.patient_message_settings import PatientMessageSettingsDialog
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext
from tests.tui.conftest import SMITH, settle

CONFIG = 'keymap = { "profile.bell" = "f12", "listing.search" = "ctrl+f" }\n'


@pytest.fixture
def rebound(
    context: AppContext,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pharmacy: dict[str, int],
) -> AppContext:
    """The tests' context, its settings read again with a config file that rebinds two keys."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(config))
    context.settings = Settings(data_dir=tmp_path, database_url=database_url)
    return context


def test_the_config_file_keymap_is_read_by_binding_id(rebound: AppContext) -> None:
    assert rebound.settings.keymap == {"profile.bell": "f12", "listing.search": "ctrl+f"}


async def test_a_key_rebound_in_the_config_file_opens_the_bell(rebound: AppContext) -> None:
    app = RxMsgApp(rebound)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PatientProfileScreen(rebound, patient_id=SMITH))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatientProfileScreen)
        mark = str(screen.query_one("#bell-mark", Static).render())
        assert "🔔 f12 Message Settings" in mark
        await pilot.press("b")  # the old key no longer opens it
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, PatientMessageSettingsDialog)


def test_every_binding_has_an_id_a_keymap_can_name() -> None:
    """A binding without an id could not be rebound from the config file."""
    ui = ("rxmsg_tui.app", "rxmsg_tui.screens", "rxmsg_tui.widgets", "rxmsg_tui.dialogs")
    modules = [
        importlib.import_module(found.name)
        for found in pkgutil.walk_packages(rxmsg_tui.__path__, "rxmsg_tui.")
        if found.name.startswith(ui)
    ]
    ids, missing = set(), []
    for module in modules:
        for name, value in vars(module).items():
            if not (inspect.isclass(value) and issubclass(value, DOMNode)):
                continue
            if value.__module__ != module.__name__:
                continue
            for binding in value.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding):
                    ids.add(binding.id)
                    if not binding.id:
                        missing.append(f"{name}: {binding.key} {binding.action}")
    assert missing == []
    assert {"profile.bell", "listing.search", "confirm.yes", "unlock.cancel"} <= ids
