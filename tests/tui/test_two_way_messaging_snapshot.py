"""2-way Messaging as staff see it at 80x24: the notice, the marks, a thread with a reply queued."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.two_way_messaging import TwoWayMessagingScreen
from tests.tui.conftest import settle, type_text
from tests.tui.test_two_way_messaging import chat_app, chat_ids

__all__ = ["chat_app", "chat_ids"]

SnapCompare = Callable[..., bool]


def test_two_way_messaging_with_a_reply_queued(
    chat_app: RxMsgApp, snap_compare: SnapCompare
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        chat_app.push_screen(TwoWayMessagingScreen(chat_app.context))
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "Yes, it is ready.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await type_text(pilot, "Thank you #PATIENTFIRSTNAME#!")
        await settle(pilot)

    assert snap_compare(chat_app, terminal_size=(80, 24), run_before=run_before)
