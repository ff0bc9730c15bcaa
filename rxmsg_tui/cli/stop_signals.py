"""SIGTERM and Ctrl-C as a `threading.Event` that wakes whoever waits for it, at once.

Python runs a signal's handler in the main thread, and only when that thread
next runs Python code. The kernel hands a process's signal to any of its
threads: when one of the scheduler's threads takes it while the main thread
sleeps in `Event.wait()`, the handler waits for a wake-up that never comes.
The daemon ignored one SIGTERM in about forty that way on a loaded machine.
Here the interpreter's own C-level handler writes the signal's number to a
pipe (`signal.set_wakeup_fd`), from whichever thread took it, and a thread of
this class's own reads the pipe and sets the event. No lock is taken inside
a handler either (an `Event.set()` there can deadlock the main thread).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any

_DONE = 0
"""Written by the block's end to let the reading thread go (no signal has number 0)."""


class StopSignals:
    """`with StopSignals() as stop: stop.event.wait()`: set once SIGTERM or SIGINT arrives.

    The previous handlers and wake-up descriptor come back when the block
    ends. Main thread only, as `signal.signal` is; not inside an asyncio
    loop, which owns the process's one wake-up descriptor.
    """

    def __init__(self, *signums: signal.Signals) -> None:
        self.signums = frozenset(signums or (signal.SIGTERM, signal.SIGINT))
        self.event = threading.Event()
        self.received: int | None = None
        self._previous: dict[signal.Signals, Any] = {}
        self._previous_fd = -1
        self._read = self._write = -1
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> StopSignals:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)  # the interpreter's handler must never block
        self._watcher = threading.Thread(target=self._watch, name="stop-signals", daemon=True)
        self._watcher.start()
        self._previous = {signum: signal.signal(signum, self._on_signal) for signum in self.signums}
        self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        with contextlib.suppress(BlockingIOError):  # a pipe full of signals: it ends anyway
            os.write(self._write, bytes([_DONE]))
        if self._watcher is not None:
            self._watcher.join(timeout=1)
        os.close(self._read)
        os.close(self._write)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """Runs late, or never while the main thread sleeps: the pipe has told already."""
        self.received = signum

    def _watch(self) -> None:
        while (read := os.read(self._read, 64)) and _DONE not in read:
            if taken := [number for number in read if number in self.signums]:
                self.received = taken[0]
                self.event.set()
                return
