"""The Patient Default dialog at 80x24, by keyboard: locked, Save, and Update All with progress."""

from __future__ import annotations

from functools import partial

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, ProgressBar, RadioSet, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs import patient_defaults as dialog_module
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.dialogs.patient_defaults import LOCKED, PatientDefaultsDialog
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.patient_defaults import update_all
from rxmsg_tui.storage.models import AuditLog, PatientMessagePrefs
from rxmsg_tui.widgets.channel_boxes import ChannelBoxes
from tests.tui.conftest import SMITH, settle
from tests.tui.seed import insert_patients, numbered_patients
from tests.tui.test_alert_settings import KEY, open_alerts, settings, unlock, unlock_code


@pytest.fixture
def context(context: AppContext) -> AppContext:
    """The tests' context with the support public key that checks unlock codes."""
    context.settings = context.settings.model_copy(update={"support_public_key": KEY})
    return context


def prefs(context: AppContext) -> set[tuple[int, str, bool, bool, bool]]:
    with context.db.read() as session:
        rows = session.exec(select(PatientMessagePrefs))
        return {(p.patient_id, p.alert, p.email, p.sms, p.call) for p in rows}


def audit_actions(context: AppContext) -> list[tuple[str, str]]:
    with context.db.read() as session:
        return [
            (a.action, a.target) for a in session.exec(select(AuditLog).order_by(col(AuditLog.id)))
        ]


def status(dialog: PatientDefaultsDialog) -> str:
    return str(dialog.query_one("#defaults-status", Static).content)


async def open_defaults(
    pilot: Pilot[None], context: AppContext, *, unlocked: bool
) -> PatientDefaultsDialog:
    screen = await open_alerts(pilot)
    assert isinstance(screen, AlertSettingsScreen)
    if unlocked:
        await unlock(pilot, unlock_code(context))
    await pilot.press("f4")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, PatientDefaultsDialog)
    return dialog


async def test_update_all_asks_with_the_count_and_the_progress_bar_reaches_the_end(
    app: RxMsgApp, context: AppContext, pharmacy: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    insert_patients(context.db, context.actor.store_id, numbered_patients(1230))
    # Chunks of 500 patients, so the bar moves three times on the way.
    monkeypatch.setattr(dialog_module, "update_all", partial(update_all, chunk=500))
    steps: list[tuple[int, int]] = []
    record = PatientDefaultsDialog._progress
    monkeypatch.setattr(
        PatientDefaultsDialog,
        "_progress",
        lambda self, done, total: (steps.append((done, total)), record(self, done, total)),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_defaults(pilot, context, unlocked=True)
        assert isinstance(app.focused, Checkbox) and app.focused.name == "email"
        await pilot.press("space")  # Refill Reminder by Email for everyone
        await pilot.press("f5")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert confirm.question == (
            "Set the message options of all 1,234 patients to these defaults? "
            "The defaults shown are saved first."
        )
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is dialog
        bar = dialog.query_one("#update-progress", ProgressBar)
        assert bar.display and (bar.progress, bar.total) == (1234, 1234)
        assert bar.percentage == 1.0
        assert status(dialog) == "Updated 1,234 patients."
        await pilot.press("escape")  # saved: closes without asking
        assert isinstance(app.screen, AlertSettingsScreen)
    assert steps == [(500, 1234), (1000, 1234), (1234, 1234)]
    rows = prefs(context)
    assert len(rows) == 1234
    assert (pharmacy[SMITH], "refill", True, False, False) in rows
    assert not any(alert == "pickup" for _, alert, *_ in rows), "Smith's pickup settings reset"
    assert settings(context)["defaults.refill.channels"] == ["email"]
    assert audit_actions(context) == [
        ("settings.set", "defaults.refill.channels"),
        ("patient_defaults.update_all", "1234 patients"),
    ]


async def test_locked_the_dialog_shows_the_defaults_but_changes_nothing(
    app: RxMsgApp, context: AppContext
) -> None:
    before = prefs(context)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_defaults(pilot, context, unlocked=False)
        assert status(dialog) == LOCKED
        assert all(boxes.disabled for boxes in dialog.query(ChannelBoxes))
        await pilot.press("f5", "ctrl+s")
        await settle(pilot)
        assert app.screen is dialog, "no confirmation while locked"
        assert status(dialog) == LOCKED
    assert prefs(context) == before
    assert audit_actions(context) == []


async def test_save_sets_when_defaults_apply(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_defaults(pilot, context, unlocked=True)
        for _ in range(30):
            if isinstance(app.focused, RadioSet):
                break
            await pilot.press("tab")
        assert isinstance(app.focused, RadioSet)
        await pilot.press("right", "enter")  # Patient Consent on Sigpad
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert status(dialog) == "Saved the patient defaults."
    assert settings(context)["defaults.apply_on"] == "sigpad_consent"
    assert audit_actions(context) == [("settings.set", "defaults.apply_on")]


async def test_a_technician_finds_the_defaults_locked_and_changes_no_patient(
    context: AppContext, pharmacy: dict[str, int]
) -> None:
    before = prefs(context)
    actor = context.actor
    context.actor = Actor(actor.store_id, actor.store_code, "tom", Role.TECHNICIAN)
    app = RxMsgApp(context)
    read_only = "Read only: technicians cannot change setup; ask a pharmacist or an admin."
    async with app.run_test(size=(80, 24)) as pilot:
        await open_alerts(pilot)
        await pilot.press("f2", "f4")  # F2 only says why: there is no code to type
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PatientDefaultsDialog)
        assert status(dialog) == read_only
        await pilot.press("f5")
        await settle(pilot)
        assert status(dialog) == read_only
    assert prefs(context) == before


async def test_left_and_right_move_between_the_dialogs_buttons(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_defaults(pilot, context, unlocked=False)
        ids = ["defaults-save", "update-all", "defaults-close"]
        assert app.focused is not None and app.focused.id == "defaults-close"
        seen = []
        for key in ("left", "left", "left", "right", "right", "right"):
            await pilot.press(key)
            assert app.focused is not None
            seen.append(app.focused.id)
        assert seen == [ids[1], ids[0], ids[0], ids[1], ids[2], ids[2]]  # stops at each end
        await pilot.press("left", "enter")  # Update All, pressed from the keyboard
        await settle(pilot)
        assert app.screen is dialog and status(dialog) == LOCKED


async def test_left_and_right_in_a_channel_row_do_not_jump_to_the_buttons(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_defaults(pilot, context, unlocked=True)
        first = app.focused
        assert isinstance(first, Checkbox)
        await pilot.press("left", "right")
        assert app.focused is first
