"""Alert Settings at 80x24, by keyboard: locked, unlocked by a pasted code, saved, relocked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from textual import events
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.dialogs.unlock import UnlockDialog
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens import alert_settings as alert_settings_module
from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import PermissionDenied
from rxmsg_tui.services.store_settings import read_settings
from rxmsg_tui.services.support import redeem_unlock_code
from rxmsg_tui.storage.models import AuditLog, UnlockCodeUse
from rxmsg_tui.widgets.field_message import FieldMessage
from tests.tui.conftest import settle, type_text
from tests.unlock_codes import SUPPORT_PUBLIC_PEM
from tests.unlock_codes import unlock_code as make_unlock_code

KEY = SUPPORT_PUBLIC_PEM
OPEN_ALERTS = ("3", "1", "1", "2")  # Misc > Interface Setups > Outbound Messaging > Alert Settings
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def context(context: AppContext) -> AppContext:
    """The tests' context with the support public key that checks unlock codes."""
    context.settings = context.settings.model_copy(update={"support_public_key": KEY})
    return context


def unlock_code(context: AppContext, *, store: str = "TEST", minutes: int = 30) -> str:
    """A fresh code from support; `context` is the store it is pasted at."""
    return make_unlock_code(store, minutes=minutes)


def later(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    """Move the real clock the unlock expiry follows (RXMSG_NOW cannot move it)."""
    monkeypatch.setattr(alert_settings_module, "real_now", lambda: at)


def uses(context: AppContext) -> list[tuple[str, datetime]]:
    with context.db.read() as session:
        return [(u.username, u.expires_at) for u in session.exec(select(UnlockCodeUse))]


def settings(context: AppContext) -> dict[str, Any]:
    return read_settings(context.db, context.actor.store_id)


def audit_rows(context: AppContext) -> list[tuple[str, str, str, str | None, str | None]]:
    with context.db.read() as session:
        rows = session.exec(select(AuditLog).order_by(col(AuditLog.id)))
        return [(a.username, a.action, a.target, a.before, a.after) for a in rows]


def text(screen: AlertSettingsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def open_alerts(pilot: Pilot[None]) -> AlertSettingsScreen:
    await pilot.press(*OPEN_ALERTS)
    await settle(pilot)
    assert isinstance(pilot.app.screen, AlertSettingsScreen)
    return pilot.app.screen


async def unlock(pilot: Pilot[None], code: str) -> None:
    """F2, paste the code as support would over a remote session, Enter."""
    await pilot.press("f2")
    assert isinstance(pilot.app.screen, UnlockDialog)
    await paste(pilot, code)
    await pilot.press("enter")
    await settle(pilot)


async def paste(pilot: Pilot[None], text: str) -> None:
    field = pilot.app.screen.query_one("#unlock-code", Input)
    field.post_message(events.Paste(text))
    await pilot.pause()


async def tab_to(pilot: Pilot[None], widget_id: str) -> None:
    """Tab until the field with `widget_id` (or its first box) has the focus, as staff would."""
    for _ in range(60):
        focused = pilot.app.focused
        if focused is not None and widget_id in (focused.id, focused.parent and focused.parent.id):
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


async def test_locked_fields_ignore_keys_until_a_valid_code_unlocks_them(
    app: RxMsgApp, context: AppContext
) -> None:
    before = settings(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        assert text(screen, "#lock-state") == (
            "Locked — enter a support unlock code (F2) to change these settings."
        )
        assert all(widget.disabled for widget in screen.form.field_widgets())
        assert app.focused is screen.form
        await pilot.press("space", "5", "x", "enter", "pagedown", "ctrl+s")
        await settle(pilot)
        assert screen.changes() == {}
        assert text(screen, "#alert-status") == "Nothing to save: no field has changed."
        await pilot.press("tab")  # Tab skips every locked field
        assert app.focused is not None and app.focused.id == "patient-default"

        await unlock(pilot, "ABCD-EFGH")
        dialog = app.screen
        assert isinstance(dialog, UnlockDialog)
        assert dialog.query_one("#unlock-error", FieldMessage).message == (
            "Refused: that is not an unlock code (it has 120 letters and digits, this has 8); "
            "check it was pasted whole"
        )
        dialog.query_one("#unlock-code", Input).value = ""
        await paste(pilot, unlock_code(context, store="ELM"))
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.query_one("#unlock-error", FieldMessage).message == (
            "Refused: the unlock code is not valid for store TEST "
            "(made for another store, or not by rxmsg support)"
        )
        assert text(screen, "#lock-state").startswith("Locked")

        await pilot.press("escape")
        before_unlock = datetime.now(UTC)
        code = unlock_code(context)
        wrapped = code[:60] + "\r\n" + code[60:]  # a remote session wrapped the line
        await unlock(pilot, wrapped)
        assert app.screen is screen
        assert screen.unlock is not None
        expires = screen.unlock.expires_at
        assert before_unlock + timedelta(minutes=29) <= expires  # kept to the minute
        local = expires.astimezone(NEW_YORK)
        zone = local.tzname()
        assert zone in ("EST", "EDT")
        assert text(screen, "#lock-state") == (
            f"Unlocked until {local:%H:%M} {zone} ({expires.astimezone(UTC):%H:%M} UTC)"
        )
        assert not any(widget.disabled for widget in screen.form.field_widgets())
        assert isinstance(app.focused, Checkbox) and app.focused.name == "email"
    assert uses(context) == [("alice", expires)]
    assert settings(context) == before
    assert audit_rows(context) == []


async def test_a_change_is_saved_all_at_once_and_audit_logged_with_before_and_after(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        await unlock(pilot, unlock_code(context))
        await pilot.press("space", "tab", "space")  # Refill Reminder by Email and SMS
        await tab_to(pilot, "alerts-refill-before_days")
        await type_text(pilot, "5")  # the focus selected the 3: typing replaces it
        await tab_to(pilot, "day-new")  # the "+" list of pickup reminder days
        await type_text(pilot, "7")
        await pilot.press("enter")
        await type_text(pilot, "3")
        await pilot.press("enter")
        chips = [str(b.label) for b in screen.query(".day-chip").results()]
        assert chips == ["3 ✕", "7 ✕"]
        await tab_to(pilot, "alerts-daily_start")
        assert screen.form.scroll_y > 0, "Tab scrolled the form to the last field"
        assert screen.query_one("#save").region.bottom <= 23, "the buttons stay on screen"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text(screen, "#alert-status") == (
            "Saved 3 changes: Send Refill Reminder, Refill Reminder Before Days, "
            "Add'l Rx Pickup Reminder After Days"
        )
        assert screen.changes() == {}
    values = settings(context)
    assert values["alerts.refill.channels"] == ["email", "sms"]
    assert values["alerts.refill.before_days"] == 5
    assert values["alerts.pickup.followup_days"] == [3, 7]
    assert audit_rows(context) == [
        ("alice", "settings.set", "alerts.refill.channels", "[]", '["email", "sms"]'),
        ("alice", "settings.set", "alerts.refill.before_days", "3", "5"),
        ("alice", "settings.set", "alerts.pickup.followup_days", "[]", "[3, 7]"),
    ]


async def test_refused_values_are_shown_at_their_fields_and_nothing_is_half_saved(
    app: RxMsgApp, context: AppContext
) -> None:
    before = settings(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        await unlock(pilot, unlock_code(context))
        await pilot.press("space")  # Email: a good change, refused with the rest
        await tab_to(pilot, "alerts-refill-before_days")
        await type_text(pilot, "45")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#alerts-refill-before_days-error", FieldMessage)
        assert error.message == "Refill Reminder Before Days: must be between 0 and 30, got 45"
        assert app.focused is screen.query_one("#alerts-refill-before_days", Input)
        assert settings(context) == before

        await pilot.press("backspace", "backspace", "2")  # fixed; now calls, which Setup lacks
        await tab_to(pilot, "alerts-pickup-channels")
        await pilot.press("tab", "tab", "space")  # Rx Ready for Pickup by Call
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#alerts-pickup-channels-error", FieldMessage)
        assert error.message.startswith(
            "Send Rx Ready for Pickup: calls cannot be sent while setup.call_using is none"
        )
        assert text(screen, "#alert-status").startswith("Not saved: ")
    assert settings(context) == before
    assert audit_rows(context) == []


async def test_one_code_unlocks_until_it_expires_and_cannot_be_used_again(
    app: RxMsgApp, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        code = unlock_code(context, minutes=5)
        await unlock(pilot, code)
        assert screen.unlock is not None
        expires = screen.unlock.expires_at
        await pilot.press("space", "ctrl+s")  # Refill Reminder by Email: no second code asked
        await settle(pilot)
        assert text(screen, "#alert-status").startswith("Saved 1 change")
        await tab_to(pilot, "alerts-refill-channels")
        await pilot.press("tab", "space")  # and by SMS, not saved yet
        later(monkeypatch, expires + timedelta(seconds=1))
        await pilot.pause(1.3)  # the screen looks at the clock every second
        local = expires.astimezone(NEW_YORK)
        ended = f"{local:%H:%M} {local.tzname()} ({expires.astimezone(UTC):%H:%M} UTC)"
        assert text(screen, "#lock-state") == (
            f"Locked — the unlock code expired at {ended}; F2 for a new code. "
            "Your unsaved changes are kept."
        )
        assert all(widget.disabled for widget in screen.form.field_widgets())
        assert screen.changes() == {"alerts.refill.channels": ["email", "sms"]}
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text(screen, "#alert-status") == (
            "Not saved: the settings are locked. Press F2 and enter an unlock code."
        )
        assert settings(context)["alerts.refill.channels"] == ["email"]

        await unlock(pilot, code)  # the used code is refused now
        assert isinstance(app.screen, UnlockDialog)
        error = app.screen.query_one("#unlock-error", FieldMessage).message
        assert error.startswith("Refused: this unlock code was already used at ")
        assert error.endswith(" by alice; ask rxmsg support for a new code")
        await pilot.press("escape")
        monkeypatch.undo()
        await unlock(pilot, unlock_code(context))
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert settings(context)["alerts.refill.channels"] == ["email", "sms"]


async def test_the_app_clock_does_not_keep_a_code_alive(app: RxMsgApp, context: AppContext) -> None:
    expired = make_unlock_code("TEST", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    context.clock = type(context.clock)(datetime.now(UTC) - timedelta(hours=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_alerts(pilot)
        await unlock(pilot, expired)
        assert isinstance(app.screen, UnlockDialog)
        error = app.screen.query_one("#unlock-error", FieldMessage).message
        assert error.startswith("Refused: the unlock code expired at ")
    assert uses(context) == []


async def test_a_technician_is_told_before_any_code_is_typed_and_no_code_is_used(
    context: AppContext,
) -> None:
    actor = context.actor
    context.actor = Actor(actor.store_id, actor.store_code, "tom", Role.TECHNICIAN)
    app = RxMsgApp(context)
    read_only = "Read only: technicians cannot change setup; ask a pharmacist or an admin."
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        assert text(screen, "#lock-state") == read_only  # on opening, before F2
        await pilot.press("f2")  # no code dialog to paste into: the same words again
        await settle(pilot)
        assert app.screen is screen and screen.unlock is None
        assert text(screen, "#alert-status") == read_only
        assert [n.message for n in app._notifications] == [read_only]
        # A code redeemed all the same (a script, a race) is still refused by the service.
        with pytest.raises(PermissionDenied, match="tom is a technician"):
            redeem_unlock_code(context.db, context.actor, unlock_code(context), public_key=KEY)
    assert uses(context) == []
    assert settings(context)["alerts.refill.channels"] == []


async def test_esc_asks_before_discarding_unsaved_changes(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        await pilot.press("escape")  # nothing changed: straight back
        assert isinstance(app.screen, MenuScreen)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AlertSettingsScreen)
        await unlock(pilot, unlock_code(context))
        await pilot.press("space", "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert app.screen is screen and screen.changes() == {"alerts.refill.channels": ["email"]}
        await pilot.press("escape", "y")
        assert isinstance(app.screen, MenuScreen)
    assert settings(context)["alerts.refill.channels"] == []
