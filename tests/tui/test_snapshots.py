"""What staff see at 80x24, compared with approved screenshots in __snapshots__/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from tests.tui.conftest import settle

SnapCompare = Callable[..., bool]


def press_and_wait(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Press `keys`, then wait for the database reads they start: no half-loaded screenshots."""

    async def run_before(pilot: Pilot[None]) -> None:
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_main_menu(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, terminal_size=(80, 24))


def test_outbound_messaging_menu(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, press=["3", "1", "1", "down"], terminal_size=(80, 24))


def test_patient_listing(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    run_before = press_and_wait("1", "down", "down")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_patient_profile(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    run_before = press_and_wait("2", "1", "0", "0", "1", "enter")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
