"""A real pseudo-terminal at 80x24 for the tests that start `rxmsg` as a person would."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

from tests.cli_runner import Rxmsg

_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


class Terminal:
    """`rxmsg` (or `command`) on a real pty at 80x24; what it wrote, escape codes dropped."""

    def __init__(self, rxmsg: Rxmsg, *, command: list[str] | None = None, **env: str) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
        base.update(
            RXMSG_DATA_DIR=str(rxmsg.home),
            RXMSG_DATABASE_URL=rxmsg.db_url,
            RXMSG_CONFIG_FILE=str(rxmsg.home / "config.toml"),
            TERM="xterm-256color",
        )
        base.update(env)
        self.leader, follower = os.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "rxmsg_tui"],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=base,
            start_new_session=True,
        )
        os.close(follower)
        self.seen = b""

    def text(self) -> str:
        return _ESCAPES.sub(b"", self.seen).decode(errors="replace")

    def wait_for(self, words: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if words in self.text():
                return
            self._read(0.05)
        raise AssertionError(f"{words!r} never shown: {self.text()[-400:]!r}")

    def press(self, keys: bytes) -> None:
        os.write(self.leader, keys)

    def exit_code(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.05)
            if (code := self.process.poll()) is not None:
                self._read(0.2)  # what it wrote last
                return code
        raise AssertionError(f"still running after {timeout} s: {self.text()[-300:]!r}")

    def after_the_app(self) -> str:
        """What was written once the App gave the terminal back (stderr's last line)."""
        assert LEAVE_ALTERNATE_SCREEN in self.seen, "the terminal was not given back"
        tail = self.seen.rsplit(LEAVE_ALTERNATE_SCREEN, 1)[1]
        return _ESCAPES.sub(b"", tail).decode(errors="replace")

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.leader], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):  # the program closed its side
                self.seen += os.read(self.leader, 65536)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.leader)
