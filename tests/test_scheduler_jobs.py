"""The scheduler's jobs reach the live runner by key, survive its failures, and know it
only through `JobTarget`, so runner and jobs do not import each other."""

from __future__ import annotations

import logging

import grimp
import pytest

from rxmsg_tui.scheduler import jobs


class Target:
    """A runner stand-in: records what each job asked of it."""

    def __init__(self, *, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def _do(self, what: str) -> None:
        self.calls.append(what)
        if self.fail:
            raise RuntimeError(f"{what} broke")

    def dispatch(self) -> None:
        self._do("dispatch")

    def check_delivery(self) -> None:
        self._do("check_delivery")

    def run_daily_if_due(self) -> None:
        self._do("run_daily_if_due")

    def poll_inbound(self) -> None:
        self._do("poll_inbound")

    def keep_lease(self) -> None:
        self._do("keep_lease")


def test_each_job_calls_the_runner_registered_under_its_key() -> None:
    target, other = Target(), Target()
    jobs.register("t1", target)
    jobs.register("t2", other)
    try:
        jobs.dispatch_due("t1")
        jobs.check_delivery("t1")
        jobs.daily_process("t1")
        jobs.inbound_poll("t1")
        jobs.keep_lease("t1")
    finally:
        jobs.unregister("t1")
        jobs.unregister("t2")
    assert target.calls == [
        "dispatch",
        "check_delivery",
        "run_daily_if_due",
        "poll_inbound",
        "keep_lease",
    ]
    assert other.calls == []


def test_a_stopped_runner_is_no_longer_called() -> None:
    target = Target()
    jobs.register("gone", target)
    jobs.unregister("gone")
    jobs.dispatch_due("gone")
    jobs.keep_lease("gone")
    assert target.calls == []


def test_a_failing_job_is_logged_and_the_next_tick_runs(caplog: pytest.LogCaptureFixture) -> None:
    target = Target(fail=True)
    jobs.register("broken", target)
    try:
        with caplog.at_level(logging.ERROR, logger="rxmsg.scheduler"):
            jobs.dispatch_due("broken")
            jobs.dispatch_due("broken")
    finally:
        jobs.unregister("broken")
    assert target.calls == ["dispatch", "dispatch"]
    assert [r.getMessage() for r in caplog.records] == ["dispatch job failed"] * 2


def test_jobs_do_not_import_the_runner() -> None:
    graph = grimp.build_graph("rxmsg_tui", include_external_packages=False, cache_dir=None)
    assert (
        graph.find_shortest_chain(
            importer="rxmsg_tui.scheduler.jobs", imported="rxmsg_tui.scheduler.runner"
        )
        is None
    )
    assert graph.find_shortest_chain(
        importer="rxmsg_tui.scheduler.runner", imported="rxmsg_tui.scheduler.jobs"
    ) == ("rxmsg_tui.scheduler.runner", "rxmsg_tui.scheduler.jobs")
