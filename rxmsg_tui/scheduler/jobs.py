"""The scheduler's jobs: plain functions that find their live runner by key and call services.

APScheduler's database job store keeps a job as a reference to a function and
its arguments; a key (not the runner itself) is what can be stored, so jobs
look their runner up here. They know a runner only as a `JobTarget`.
"""

from __future__ import annotations

import logging

from rxmsg_tui.scheduler.job_target import JobTarget

log = logging.getLogger("rxmsg.scheduler")
_RUNNERS: dict[str, JobTarget] = {}


def register(key: str, runner: JobTarget) -> None:
    _RUNNERS[key] = runner


def unregister(key: str) -> None:
    _RUNNERS.pop(key, None)


def dispatch_due(key: str) -> None:
    """Send what is due; a failure is logged and the next run tries again."""
    runner = _RUNNERS.get(key)
    if runner is None:
        return
    try:
        runner.dispatch()
    except Exception:
        log.exception("dispatch job failed")


def check_delivery(key: str) -> None:
    """Turn `Sent` into `Delivered` or `Failed` from the providers' receipts."""
    runner = _RUNNERS.get(key)
    if runner is None:
        return
    try:
        runner.check_delivery()
    except Exception:
        log.exception("delivery status job failed")


def daily_process(key: str) -> None:
    """Run the daily process for stores whose start time has come; a failure waits a minute."""
    runner = _RUNNERS.get(key)
    if runner is None:
        return
    try:
        runner.run_daily_if_due()
    except Exception:
        log.exception("daily process job failed")


def inbound_poll(key: str) -> None:
    """Read replies for stores whose poll interval has passed; STOPs count from this commit."""
    runner = _RUNNERS.get(key)
    if runner is None:
        return
    try:
        runner.poll_inbound()
    except Exception:
        log.exception("inbound poll job failed")


def keep_lease(key: str) -> None:
    """Renew the lease; a leader that loses it stops its jobs at once."""
    runner = _RUNNERS.get(key)
    if runner is not None:
        runner.keep_lease()
