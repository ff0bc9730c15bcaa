"""Opt-in Wording as staff see it at 80x24: the wordings in force and one open to edit."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.services.context import AppContext
from tests.tui.conftest import settle

SnapCompare = Callable[..., bool]


def test_opt_in_wording_open_to_edit(context: AppContext, snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        for key in ("3", "1", "1", "8", "enter"):  # open the screen, then English transactional
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(RxMsgApp(context), terminal_size=(80, 24), run_before=run_before)
