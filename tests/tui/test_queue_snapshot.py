"""The Outbound Messaging Queue and a message's detail as staff see them at 80x24."""

from __future__ import annotations

from collections.abc import Callable

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.catalogue import MESSAGE_QUEUE
from tests.tui.test_menu import route_to
from tests.tui.test_message_queue import app, ids  # noqa: F401  (the seeded queue)
from tests.tui.test_snapshots import press_and_wait

SnapCompare = Callable[..., bool]
TO_QUEUE = [str(index + 1) for _, index in route_to(MESSAGE_QUEUE)]
"""The menu keys to the queue, from the catalogue (menus gain items)."""


def test_queue(app: RxMsgApp, snap_compare: SnapCompare) -> None:  # noqa: F811
    run_before = press_and_wait(*TO_QUEUE, "down", "down")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_message_detail(app: RxMsgApp, snap_compare: SnapCompare) -> None:  # noqa: F811
    run_before = press_and_wait(*TO_QUEUE, "down", "down", "enter")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
