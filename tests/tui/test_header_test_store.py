"""The header says TEST for a test store, whose clock RXMSG_NOW may move, and not for a live one."""

from __future__ import annotations

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.widgets.app_header import AppHeader


async def test_a_test_store_says_test_in_the_header(context: AppContext) -> None:
    context.store.is_test = True
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = app.screen.query_one(AppHeader)
        assert header.status_text() == (
            "TEST · Main Street Pharmacy · alice (admin) · Scheduler: off"
        )
        line = str(header.render())
        assert "TEST · " in line and "alice (admin)" in line and len(line) <= 80


async def test_a_live_store_does_not(context: AppContext) -> None:
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = app.screen.query_one(AppHeader)
        assert "TEST" not in header.status_text() and "TEST" not in str(header.render())
