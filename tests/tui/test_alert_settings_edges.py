"""Alert Settings at 80x24: every follow-up day in sight, errors that go once fixed, marks."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.widgets.field_message import FieldMessage
from tests.tui.conftest import settle, type_text
from tests.tui.screen_text import screen_lines
from tests.tui.test_alert_settings import (
    KEY,
    open_alerts,
    settings,
    tab_to,
    unlock,
    unlock_code,
)

DAYS = (2, 3, 5, 7, 10, 14, 21, 28)


@pytest.fixture
def context(context: AppContext) -> AppContext:
    """The tests' context with the support public key that checks unlock codes."""
    context.settings = context.settings.model_copy(update={"support_public_key": KEY})
    return context


async def add_days(pilot: Pilot[None], days: tuple[int, ...]) -> None:
    await tab_to(pilot, "day-new")
    for day in days:
        await type_text(pilot, str(day))
        await pilot.press("enter")


async def test_every_follow_up_day_is_on_screen_past_the_fifth(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        await unlock(pilot, unlock_code(context))
        await add_days(pilot, DAYS)
        await pilot.pause()
        chips = list(screen.query(".day-chip").results(Button))
        assert [str(chip.label) for chip in chips] == [f"{day} ✕" for day in DAYS]
        lines = "\n".join(screen_lines(app))
        for day in DAYS:
            assert f"{day} ✕" in lines, f"day {day} is not on screen:\n{lines}"
        for chip in chips:
            assert chip.region.width >= 4 and chip.region.right <= 80
        # The last day is reached by keyboard and removed with Enter.
        for _ in range(len(DAYS) + 1):
            await pilot.press("tab")
            if app.focused is chips[-1]:
                break
        assert app.focused is chips[-1]
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert settings(context)["alerts.pickup.followup_days"] == list(DAYS[:-1])


async def test_a_refused_fields_error_goes_as_soon_as_the_value_is_valid(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        await unlock(pilot, unlock_code(context))
        await tab_to(pilot, "alerts-refill-before_days")
        await type_text(pilot, "45")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#alerts-refill-before_days-error", FieldMessage)
        assert error.message == "Refill Reminder Before Days: must be between 0 and 30, got 45"
        await pilot.press("backspace")  # 4: valid
        assert error.message == ""
        assert not error.has_class("-shown")
        await type_text(pilot, "9")  # 49: wrong again, and said so at once
        assert error.message == "Refill Reminder Before Days: must be between 0 and 30, got 49"
        await pilot.press("backspace")
        assert error.message == ""

        # Calls refused because Setup has no call transport: the error stays while Call is
        # ticked, whatever else changes, and goes when Call is unticked.
        await tab_to(pilot, "alerts-pickup-channels")
        await pilot.press("tab", "tab", "space")  # Rx Ready for Pickup by Call
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#alerts-pickup-channels-error", FieldMessage)
        assert error.message.startswith("Send Rx Ready for Pickup: calls cannot be sent")
        assert isinstance(app.focused, Checkbox) and app.focused.name == "email"
        await pilot.press("tab", "space")  # and by SMS: still by call
        assert error.message.startswith("Send Rx Ready for Pickup: calls cannot be sent")
        await pilot.press("tab", "space")  # Call unticked
        assert error.message == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(screen.query_one("#alert-status").render()).startswith("Saved 2 changes")


async def test_check_boxes_show_a_mark_only_when_ticked(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_alerts(pilot)
        assert isinstance(screen, AlertSettingsScreen)
        await unlock(pilot, unlock_code(context))
        await pilot.press("space")  # Refill Reminder by Email
        email = app.focused
        assert isinstance(email, Checkbox) and email.value
        sms = screen.query_one("#alerts-refill-channels .channel-sms", Checkbox)
        assert not sms.value
        assert str(email.render()).startswith("▐X▌ Email")
        assert str(sms.render()).startswith("▐ ▌ SMS")
        await pilot.press("space")  # unticked: the mark goes
        assert str(email.render()).startswith("▐ ▌ Email")
        boxes = list(screen.query(Checkbox))
        assert len(boxes) > 20
        for box in boxes:
            mark = str(box.render())[:3]
            assert mark == ("▐X▌" if box.value else "▐ ▌"), (box.id, box.name, mark)
        assert isinstance(screen.query_one("#alerts-refill-before_days"), Input)


async def test_under_no_color_the_screen_still_tells_ticked_from_unticked(
    context: AppContext, pharmacy: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = RxMsgApp(context)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await open_alerts(pilot)
        lines = screen_lines(app)
        due = next(line for line in lines if "Send when Rxs are due" in line)
        refill = next(line for line in lines if "Send Refill Reminder" in line)
        assert "▐X▌" in due  # on by default
        assert refill.count("▐ ▌") == 3  # Email, SMS and Call all off
        await pilot.press("f4")  # the dialog's radio buttons: one chosen, one not
        await settle(pilot)
        apply_on = next(line for line in screen_lines(app) if "Adding New Patient" in line)
        assert "▐●▌ Adding New Patient" in apply_on
        assert "▐ ▌ Patient Consent on Sigpad" in apply_on
