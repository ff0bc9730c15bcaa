"""Where rxmsg's log lines go: `rxmsg.log` in the data dir, and the daemon's terminal.

A command says what went wrong in its own words on stderr; its log lines
(ids, never message bodies) go to the file for support, so nothing is said
twice on the terminal. The TUI owns its terminal, so it logs to the file
only; the daemon also logs to stderr, which is where a container's logs are
read.
"""

from __future__ import annotations

import logging
import os
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FILE = "rxmsg.log"
"""In the data dir: one file for the TUI, the daemon and every command (0600, 1 MB × 3)."""

_LOGGERS = ("rxmsg", "rxmsg_tui")
"""Named loggers, and those named after their module."""


def log_to_file(path: Path) -> None:
    """Send rxmsg's log to `path`; a process logs to one file, so an earlier one is let go.

    Without it a failure the screen or a command reports would leave no trace
    for support.
    """
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _PrivateLog)]:
            if Path(old.baseFilename) == path.absolute():
                return
            logger.removeHandler(old)
            old.close()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = _PrivateLog(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def log_to_stderr(prefix: str) -> None:
    """Also write rxmsg's log lines to stderr, each after `prefix` (the daemon's)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{prefix}: %(levelname)s %(message)s"))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


class _PrivateLog(RotatingFileHandler):
    """Opens each log file 0600, the one started after a rollover as well as the first."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a log left readable by an older rxmsg is closed up too
        return open(fd, "a", encoding=self.encoding, errors=self.errors)
