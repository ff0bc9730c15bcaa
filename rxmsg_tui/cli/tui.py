"""Opens the Textual App; Textual is imported only here, so CLI commands start fast.

The App paints its menu first and opens the database right after, in a
worker: staff see rxmsg answer at once, as fast as a bare Textual app.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from rxmsg_tui.cli.errors import fail, failure_text

if TYPE_CHECKING:
    from rxmsg_tui.app import RxMsgApp
    from rxmsg_tui.scheduler.runner import SchedulerRunner
    from rxmsg_tui.scheduler.sending import Sending
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
