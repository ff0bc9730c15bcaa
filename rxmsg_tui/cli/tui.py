"""Opens the Textual App; Textual is imported only here, so CLI commands start fast.

The App paints its menu first and opens the database right after, in a
worker: staff see rxmsg answer at once, as fast as a bare Textual app.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rxmsg_tui.cli.errors import fail, failure_text
from rxmsg_tui.cli.logs import LOG_FILE, log_to_file

if TYPE_CHECKING:
    from rxmsg_tui.app import RxMsgApp
    from rxmsg_tui.scheduler.runner import SchedulerRunner
    from rxmsg_tui.scheduler.sending import Sending
    from rxmsg_tui.services.context import AppContext


NO_TERMINAL = (
    "the screens need a terminal: use `docker run -it …` or `ssh -t …`, "
    "or give a command such as `rxmsg daemon` (see rxmsg --help)"
)


def require_terminal() -> None:
    """Refuse at once without a terminal (`docker run` without -t, a pipe, `ssh host rxmsg`).

    Without one the App would write escape codes into a pipe and then spin,
    waiting for keys that can never come.
    """
    if os.environ.get("TEXTUAL_DRIVER"):
        return  # another driver draws the screens: `rxmsg serve` runs each session on the web's
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(NO_TERMINAL)


def open_tui(context: AppContext | Callable[[], AppContext]) -> None:
    """Run the App with the scheduler in-process; it sends only while it holds the lease.

    `context` may be the function that builds it (settings, migration, store,
    sign-in): the App then calls it after its first paint. A failure there is
    shown on screen and, once the terminal is back, ends the command as any
    other would (one line on stderr, exit 1).
    """
    require_terminal()
    from rxmsg_tui.app import RxMsgApp, Startup

    opened: list[Sending] = []
    app: RxMsgApp

    def connect() -> tuple[AppContext, SchedulerRunner]:
        """In the App's worker thread: the context, and the runner that sends for it."""
        ready = context() if callable(context) else context
        log_to_file(ready.settings.data_dir / LOG_FILE)
        from rxmsg_tui.scheduler.sending import Sending

        sending = Sending(ready.db, ready.settings, ready.clock)
        opened.append(sending)
        # The runner reports from its threads to the App, which starts it once it has it.
        runner = sending.runner(
            on_state=lambda state: app.scheduler_state_changed(state),
            on_dispatch=lambda stats: app.queue_dispatched(stats),
        )
        return ready, runner

    app = RxMsgApp(startup=Startup(connect=connect, explain=failure_text))
    try:
        app.run()
    finally:
        for sending in opened:
            sending.close()
    if app.start_failure is not None:
        raise app.start_failure
