"""The App runs the scheduler in-process and every screen's header shows its state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.clock import Clock
from rxmsg_tui.scheduler.runner import SchedulerRunner, SchedulerState
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.dispatcher import DispatchStats
from rxmsg_tui.services.scheduler_lease import current_holder, try_acquire
from rxmsg_tui.storage.database import Database
from rxmsg_tui.widgets.app_header import AppHeader
from tests.tui.conftest import settle


class FakeDispatcher:
    """Sends nothing; counts the runs so the test sees the job go."""

    def __init__(self) -> None:
        self.runs = 0
        self.provider_for = lambda _store_id, _method: None
        """No transports: nothing to send, no replies to read."""

    def run_until_idle(self, *, max_batches: int = 10_000) -> DispatchStats:
        self.runs += 1
        return DispatchStats(claimed=1, sent=1)


def build(context: AppContext, db: Database, clock: Clock) -> tuple[RxMsgApp, SchedulerRunner]:
    """The App and its runner wired as `rxmsg` wires them (cli/tui.py)."""
    app: RxMsgApp
    runner = SchedulerRunner(
        db, FakeDispatcher(), clock, dispatch_every=60,  # type: ignore[arg-type]
        on_state=lambda state: app.scheduler_state_changed(state),
        on_dispatch=lambda stats: app.queue_dispatched(stats),
    )  # fmt: skip
    app = RxMsgApp(context, scheduler=runner)
    return app, runner


async def until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


def shown_state(app: RxMsgApp) -> str:
    return app.screen.query_one(AppHeader).scheduler


async def test_the_header_shows_the_scheduler_start_stop_and_start_again(
    context: AppContext, db: Database, clock: Clock
) -> None:
    app, runner = build(context, db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown_state(app) == "running")
        header = app.screen.query_one(AppHeader)
        assert header.status_text().endswith("· Scheduler: running")
        assert isinstance(runner.dispatcher, FakeDispatcher)
        await until(pilot, lambda: runner.dispatcher.runs >= 1)  # type: ignore[attr-defined]
        await pilot.press("1")  # a screen opened later shows the state at once
        await settle(pilot)
        assert app.screen.title == "Patient Listing" and shown_state(app) == "running"
        await asyncio.to_thread(runner.stop)
        await until(pilot, lambda: shown_state(app) == "off")
        await pilot.press("escape")
        assert shown_state(app) == "off"
        await asyncio.to_thread(runner.start)
        await until(pilot, lambda: shown_state(app) == "running")
    # Leaving the App stopped the runner and gave the lease up for the next terminal.
    assert runner.state is SchedulerState.STOPPED
    assert current_holder(db) is None


async def test_a_terminal_without_the_lease_stands_by(
    context: AppContext, db: Database, clock: Clock
) -> None:
    other = Claimant("counter-2", 4242, "other")
    assert try_acquire(db, other, now=clock.now(), ttl=timedelta(minutes=5))
    app, runner = build(context, db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown_state(app) == "standby")
        assert isinstance(runner.dispatcher, FakeDispatcher) and runner.dispatcher.runs == 0
    assert runner.state is SchedulerState.STOPPED
    holder = current_holder(db)
    assert holder is not None and holder.holder == str(other)
