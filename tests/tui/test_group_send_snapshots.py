"""Send Email/SMS at 80x24: each of the three steps as staff see it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from rxmsg_tui.app import RxMsgApp
from tests.tui.conftest import settle, type_text
from tests.tui.test_group_send import app, open_wizard

__all__ = ["app"]

SnapCompare = Callable[..., bool]


def wizard_at(step: int) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Open the wizard, select everyone, and (for steps 2 and 3) write a short message."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_wizard(pilot)
        # A blinking cursor is caught lit or not by chance: keep it lit.
        pilot.app.screen.query_one("#search", Input).cursor_blink = False
        await pilot.press("f2")
        await settle(pilot)
        await counted(pilot)
        if step == 1:
            return
        await pilot.press("f8")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#email-subject", Input).focus()
        await type_text(pilot, "Flu shots")
        screen.query_one("#email-body", TextArea).focus()
        await type_text(pilot, "Hi #PATIENTFIRSTNAME#, flu shots are in.")
        screen.query_one("#sms-body", TextArea).focus()
        await type_text(pilot, "Flu shots are in")
        await settle(pilot)
        if step == 3:
            await pilot.press("f8")
            await settle(pilot)
            await settle(pilot)

    return run_before


async def counted(pilot: Pilot[None]) -> None:
    """The count line comes from its own worker: a busy machine may answer after the rows."""
    line = pilot.app.screen.query_one("#count-line", Static)
    for _ in range(50):
        if str(line.content).startswith("Selected 4"):
            return
        await pilot.pause(0.1)


def test_step_1_patients(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=wizard_at(1))


def test_step_2_message(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=wizard_at(2))


def test_step_3_confirm(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=wizard_at(3))
