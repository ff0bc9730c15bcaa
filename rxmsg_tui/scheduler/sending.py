"""A process's sending parts, wired in one place: transports, the dispatcher over them, the runner.

The TUI, `rxmsg daemon`, `rxmsg dispatch --once` and `rxmsg inbound --once`
all send and read through this one assembly, so how the parts fit together
(one provider cache per process, the dispatcher and the inbound poll sharing
it) is decided once. Closing it closes every provider's connections: httpx
pools and the IVR link.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

from rxmsg_tui.services.dispatch.transports import StoreTransports

if TYPE_CHECKING:
    from rxmsg_tui.clock import Clock
    from rxmsg_tui.config import Settings
    from rxmsg_tui.scheduler.runner import SchedulerRunner, SchedulerState
    from rxmsg_tui.services.dispatch.dispatcher import Dispatcher, DispatchStats
    from rxmsg_tui.storage.database import Database


class Sending:
    """The store transports for `db` and `settings`; the dispatcher and runner built on them.

    The dispatcher and the runner are imported when first asked for: `rxmsg
    inbound --once` needs only the transports and should not wait for
    APScheduler.
    """

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.transports = StoreTransports(db, settings, now=clock.now)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        """Sends what is due through the transports; one per process, so send rates are shared."""
        from rxmsg_tui.services.dispatch.dispatcher import Dispatcher

        return Dispatcher(self.db, self.transports, self.clock)

    def runner(
        self,
        *,
        dispatch_every: float = 5.0,
        on_state: Callable[[SchedulerState], None] | None = None,
        on_dispatch: Callable[[DispatchStats], None] | None = None,
    ) -> SchedulerRunner:
        """The scheduler that runs the dispatcher and the other jobs while it holds the lease."""
        from rxmsg_tui.scheduler.runner import SchedulerRunner

        return SchedulerRunner(
            self.db,
            self.dispatcher,
            self.clock,
            dispatch_every=dispatch_every,
            on_state=on_state,
            on_dispatch=on_dispatch,
        )

    def close(self) -> None:
        """Close the providers' connections; call it after the runner has stopped."""
        self.transports.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
