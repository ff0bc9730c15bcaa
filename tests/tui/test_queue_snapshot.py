"""The Outbound Messaging Queue and a message's detail as staff see them at 80x24."""

from __future__ import annotations

from collections.abc import Callable

from rxmsg_tui.app import RxMsgApp
from tests.tui.test_message_queue import app, ids  # noqa: F401  (the seeded queue)
from tests.tui.test_snapshots import press_and_wait

SnapCompare = Callable[..., bool]


def test_queue(app: RxMsgApp, snap_compare: SnapCompare) -> None:  # noqa: F811
    run_before = press_and_wait("3", "1", "1", "4", "down", "down")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_message_detail(app: RxMsgApp, snap_compare: SnapCompare) -> None:  # noqa: F811
    run_before = press_and_wait("3", "1", "1", "4", "down", "down", "enter")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
