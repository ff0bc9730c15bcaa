"""Opens the Textual App; Textual is imported only here, so CLI commands start fast."""

from __future__ import annotations

import logging
import os
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.services.context import AppContext

LOG_FILE = "rxmsg.log"
"""In the data dir: while the TUI owns the terminal, its log lines go here (ids, never bodies)."""


NO_TERMINAL = (
    "the screens need a terminal: use `docker run -it …` or `ssh -t …`, "
    "or give a command such as `rxmsg daemon` (see rxmsg --help)"
)


def require_terminal() -> None:
    """Refuse at once without a terminal (`docker run` without -t, a pipe, `ssh host rxmsg`).

    Without one the App would write escape codes into a pipe and then spin,
    waiting for keys that can never come.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(NO_TERMINAL)


def open_tui(context: AppContext) -> None:
    """Run the App with the scheduler in-process; it sends only while it holds the lease."""
    require_terminal()
    log_to_file(context.settings.data_dir / LOG_FILE)
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


def log_to_file(path: Path) -> None:
    """Send rxmsg's log to `path` (0600, 1 MB × 3): the terminal belongs to the App.

    Without it a failure the screen reports would leave no trace for support.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = _PrivateLog(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("rxmsg", "rxmsg_tui"):  # named loggers, and those named after their module
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


class _PrivateLog(RotatingFileHandler):
    """Opens each log file 0600, the one started after a rollover as well as the first."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a log left readable by an older rxmsg is closed up too
        return open(fd, "a", encoding=self.encoding, errors=self.errors)
