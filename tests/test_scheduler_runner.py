"""The scheduler runner: one leader per database, jobs run, a standby takes over."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from rxmsg_tui.clock import Clock
from rxmsg_tui.scheduler.runner import SchedulerRunner, SchedulerState
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.storage.database import Database


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_one_leader_dispatches_and_a_standby_takes_over(db: Database, clock: Clock) -> None:
    runs: list[str] = []
    states: dict[str, list[SchedulerState]] = {"a": [], "b": []}

    def runner(name: str) -> SchedulerRunner:
        dispatcher = Dispatcher(db, lambda _s, _m: None, clock)
        built = SchedulerRunner(
            db, dispatcher, clock, dispatch_every=0.2, lease_ttl=timedelta(seconds=2),
            on_state=states[name].append,
        )  # fmt: skip
        built.dispatch = lambda: runs.append(name)  # type: ignore[method-assign]
        return built

    a, b = runner("a"), runner("b")
    a.start()
    b.start()
    try:
        assert a.state is SchedulerState.LEADER
        assert b.state is SchedulerState.STANDBY
        assert wait_for(lambda: runs.count("a") >= 2)
        assert "b" not in runs
        a.stop()
        assert states["a"][-1] is SchedulerState.STOPPED
        assert wait_for(lambda: b.state is SchedulerState.LEADER, seconds=5)
        assert wait_for(lambda: "b" in runs)
    finally:
        a.stop()
        b.stop()
    assert b.state is SchedulerState.STOPPED
