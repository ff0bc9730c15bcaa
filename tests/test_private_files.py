"""Files rxmsg writes beside the database are its user's alone, however the umask is set."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from rxmsg_tui.cli.logs import log_to_file


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_tui_log_stays_private_after_a_rollover(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "data" / "rxmsg.log"
    log_to_file(path)
    handlers = [
        h for h in logging.getLogger("rxmsg").handlers if isinstance(h, RotatingFileHandler)
    ]
    handler = handlers[-1]
    try:
        logging.getLogger("rxmsg").info("message 42 sent")
        handler.doRollover()
        logging.getLogger("rxmsg").info("message 43 sent")
        assert _mode(path) == 0o600
        assert _mode(path.with_name("rxmsg.log.1")) == 0o600
        assert _mode(path.parent) == 0o700
        assert "message 43 sent" in path.read_text()
    finally:
        for name in ("rxmsg", "rxmsg_tui"):
            logging.getLogger(name).removeHandler(handler)
        handler.close()


def test_a_log_left_readable_is_closed_up(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "rxmsg.log"
    path.write_text("older lines\n")
    path.chmod(0o644)
    log_to_file(path)
    handler = logging.getLogger("rxmsg").handlers[-1]
    try:
        assert _mode(path) == 0o600
    finally:
        for name in ("rxmsg", "rxmsg_tui"):
            logging.getLogger(name).removeHandler(handler)
        handler.close()
