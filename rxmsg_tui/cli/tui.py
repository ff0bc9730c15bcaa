"""Opens the Textual App; Textual is imported only here, so CLI commands start fast."""

from __future__ import annotations

from rxmsg_tui.services.context import AppContext


def open_tui(context: AppContext) -> None:
    """Run the App with the scheduler in-process; it sends only while it holds the lease."""
    from rxmsg_tui.app import RxMsgApp
    from rxmsg_tui.scheduler.runner import SchedulerRunner
    from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
    from rxmsg_tui.services.dispatch.transports import StoreTransports

    db, clock = context.db, context.clock
    transports = StoreTransports(db, context.settings, now=clock.now)
    app: RxMsgApp
    # The runner reports from its threads to the App built just below. The App
    # starts the runner once mounted, so `app` is always bound by the first call.
    runner = SchedulerRunner(
        db,
        Dispatcher(db, transports, clock),
        clock,
        on_state=lambda state: app.scheduler_state_changed(state),
        on_dispatch=lambda stats: app.queue_dispatched(stats),
    )
    app = RxMsgApp(context, scheduler=runner)
    try:
        app.run()
    finally:
        transports.close()
