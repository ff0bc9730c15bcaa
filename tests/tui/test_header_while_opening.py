"""While the App opens the database the header says so, and a chosen entry opens once it is open.

`rxmsg` paints the menu before its database checks; staff who know the menus
type ahead, and the entry they chose must open then, not be lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp, StartFailedScreen, Startup
from rxmsg_tui.scheduler.runner import SchedulerRunner
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import PermissionDenied
from rxmsg_tui.widgets.app_header import OPENING, AppHeader
from tests.tui.conftest import settle


async def until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 20) -> None:
    """The database is opened on a thread of its own: wait for what it brings about."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            break
        await pilot.pause(0.05)
    assert condition()
    await settle(pilot)


def _gated(context: AppContext, gate: threading.Event) -> Startup:
    """A start-up whose database opens only when the test lets it."""

    def connect() -> tuple[AppContext, SchedulerRunner | None]:
        assert gate.wait(30), "the test never opened the gate"
        return context, None

    return Startup(connect=connect, explain=str)


async def test_the_header_says_opening_then_names_the_store_and_user(
    context: AppContext, pharmacy: dict[str, int]
) -> None:
    gate = threading.Event()
    app = RxMsgApp(startup=_gated(context, gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = app.screen.query_one(AppHeader)
        assert header.status_text() == OPENING
        assert OPENING in str(header.render()) and "Main Menu" in str(header.render())
        assert not app.ready
        gate.set()
        await until(pilot, lambda: app.ready)
        assert header.status_text() == "Main Street Pharmacy · alice (admin) · Scheduler: off"


async def test_an_entry_chosen_before_the_database_is_open_opens_when_it_is(
    context: AppContext, pharmacy: dict[str, int]
) -> None:
    gate = threading.Event()
    app = RxMsgApp(startup=_gated(context, gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen), "nothing to show it with yet"
        notices = [n.message for n in app._notifications]
        assert "Patient Listing opens as soon as the database is open." in notices
        gate.set()
        await until(pilot, lambda: isinstance(app.screen, PatientListingScreen))
        assert app.screen.query_one(AppHeader).status_text().startswith("Main Street Pharmacy")
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)


async def test_a_refusal_while_opening_is_shown_and_enter_leaves(
    context: AppContext, pharmacy: dict[str, int]
) -> None:
    refusal = PermissionDenied("user 'zed' may not use rxmsg at store MAIN")

    def connect() -> tuple[AppContext, SchedulerRunner | None]:
        raise refusal

    app = RxMsgApp(startup=Startup(connect=connect, explain=lambda error: f"said: {error}"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartFailedScreen))
        shown = str(app.screen.query_one("#start-failed-reason").render())
        assert shown == "said: user 'zed' may not use rxmsg at store MAIN"
        await pilot.press("1")  # the menu underneath opens nothing now
        assert isinstance(app.screen, StartFailedScreen)
        assert app.return_code is None
        await pilot.press("enter")
        await pilot.pause()
        assert app.return_code == 0, "Enter left the App"
    assert app.start_failure is refusal
