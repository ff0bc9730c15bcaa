"""Owns APScheduler: takes the lease, runs the jobs while it holds it, stops cleanly.

The TUI and `rxmsg daemon` each build one runner. Without the lease the runner
stands by and tries again every few seconds, so a second terminal takes over
within seconds of the first one's death. State changes reach the UI through
`on_state` (the App turns them into a Textual event).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from rxmsg_tui.clock import Clock
from rxmsg_tui.scheduler import jobs
from rxmsg_tui.services.daily.schedule import run_due
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.delivery_status import check_delivery
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher, DispatchStats
from rxmsg_tui.services.inbound.report import InboundReport
from rxmsg_tui.services.inbound.sources import InboundSourceFor, inbound_sources, poll_due
from rxmsg_tui.services.scheduler_lease import release, try_acquire
from rxmsg_tui.storage.database import Database

log = logging.getLogger("rxmsg.scheduler")


INBOUND_TICK_SECONDS = 5
"""The inbound job wakes this often and polls each store whose own interval has passed
(`inbound.poll_seconds`, at least 5), so a changed interval needs no restart."""


class SchedulerState(StrEnum):
    STOPPED = "off"
    STANDBY = "standby"
    LEADER = "running"


class SchedulerRunner:
    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        clock: Clock,
        *,
        dispatch_every: float = 5.0,
        lease_ttl: timedelta = timedelta(seconds=20),
        on_state: Callable[[SchedulerState], None] | None = None,
        on_dispatch: Callable[[DispatchStats], None] | None = None,
        inbound_for: InboundSourceFor | None = None,
        on_inbound: Callable[[InboundReport], None] | None = None,
    ) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.clock = clock
        self.dispatch_every = dispatch_every
        self.lease_ttl = lease_ttl
        self.claimant = Claimant.for_this_process()
        self.key = str(self.claimant)
        self.state = SchedulerState.STOPPED
        self._on_state = on_state
        self._on_dispatch = on_dispatch
        self.inbound_for = inbound_for or inbound_sources(dispatcher.provider_for)
        self._on_inbound = on_inbound
        self._inbound_polled: dict[int, datetime] = {}
        self._scheduler: BackgroundScheduler | None = None
        self._standby: threading.Timer | None = None
        self._lock = threading.RLock()
        self._stopping = False

    def start(self) -> None:
        jobs.register(self.key, self)
        self._stopping = False
        self.keep_lease()

    def stop(self) -> None:
        """Stop jobs, wait for a running dispatch to finish, and give the lease up."""
        with self._lock:
            self._stopping = True
            if self._standby is not None:
                self._standby.cancel()
            was_leader = self.state is SchedulerState.LEADER
            scheduler, self._scheduler = self._scheduler, None
        # Outside the lock: a lease job waiting for the lock must be able to finish.
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        if was_leader:
            release(self.db, self.claimant)
        with self._lock:
            self._set_state(SchedulerState.STOPPED)
        jobs.unregister(self.key)

    def keep_lease(self) -> None:
        with self._lock:
            if self._stopping:
                return
            held = try_acquire(self.db, self.claimant, now=self.clock.now(), ttl=self.lease_ttl)
            if held and self.state is not SchedulerState.LEADER:
                self._start_jobs()
                self._set_state(SchedulerState.LEADER)
            elif not held:
                if self.state is SchedulerState.LEADER:
                    log.warning("scheduler lease lost; standing by")
                    self._stop_jobs(wait=False)  # called from a job thread: do not wait on it
                self._set_state(SchedulerState.STANDBY)
                self._standby = threading.Timer(self.lease_ttl.total_seconds() / 4, self.keep_lease)
                self._standby.daemon = True
                self._standby.start()

    def dispatch(self) -> None:
        stats = self.dispatcher.run_until_idle(max_batches=50)
        changed = stats.claimed or stats.recovered or stats.found or stats.unconfirmed
        if self._on_dispatch is not None and changed:
            self._on_dispatch(stats)

    def devices_down(self) -> list[str]:
        """Devices the dispatcher cannot reach now ("IVR"): cheap, the header asks every second."""
        transports = getattr(self.dispatcher, "provider_for", None)
        probe = getattr(transports, "devices_down", None)
        return list(probe()) if callable(probe) else []

    def check_delivery(self) -> None:
        stats = check_delivery(self.db, self.dispatcher.provider_for, now=self.clock.now())
        if self._on_dispatch is not None and (stats.delivered or stats.failed):
            self._on_dispatch(DispatchStats())

    def run_daily_if_due(self) -> None:
        results = run_due(self.db, now=self.clock.now())
        if self._on_dispatch is not None and any(r.total for r in results):
            self._on_dispatch(DispatchStats())  # the queue screens refresh

    def poll_inbound(self) -> None:
        """Read replies for each store due a poll (`inbound.poll_seconds`, 15 s by default)."""
        report = poll_due(
            self.db, self.inbound_for, now=self.clock.now(), last=self._inbound_polled
        )
        if self._on_inbound is not None and (report.stored or report.problems):
            self._on_inbound(report)
        if self._on_dispatch is not None and report.answers_queued:
            self._on_dispatch(DispatchStats())  # the queue screens show the answers queued

    def _start_jobs(self) -> None:
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.db.engine)},
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            timezone="UTC",
        )
        # APScheduler runs on the wall clock; RXMSG_NOW shifts only what the jobs decide.
        scheduler.add_job(
            jobs.dispatch_due, "interval", seconds=self.dispatch_every, args=[self.key],
            id="dispatch", replace_existing=True, next_run_time=datetime.now(UTC),
        )  # fmt: skip
        scheduler.add_job(
            jobs.check_delivery, "interval", seconds=60, args=[self.key], id="delivery",
            replace_existing=True,
        )  # fmt: skip
        scheduler.add_job(
            jobs.daily_process, "interval", seconds=60, args=[self.key], id="daily",
            replace_existing=True, next_run_time=datetime.now(UTC),
        )  # fmt: skip
        scheduler.add_job(
            jobs.inbound_poll, "interval", seconds=INBOUND_TICK_SECONDS, args=[self.key],
            id="inbound", replace_existing=True, next_run_time=datetime.now(UTC),
        )  # fmt: skip
        scheduler.add_job(
            jobs.keep_lease, "interval", seconds=self.lease_ttl.total_seconds() / 4,
            args=[self.key], id="lease", replace_existing=True,
        )  # fmt: skip
        scheduler.start()
        self._scheduler = scheduler

    def _stop_jobs(self, *, wait: bool = True) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None

    def _set_state(self, state: SchedulerState) -> None:
        if state is not self.state:
            self.state = state
            log.info("scheduler %s", state.value)
            if self._on_state is not None:
                self._on_state(state)
