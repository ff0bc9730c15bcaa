"""The signature pad driver: PROMPT / RESULT / PING over any pyserial URL (DESIGN.md §6).

`RXMSG_SIGPAD_URL` names the pad as pyserial's `serial_for_url` reads it: a
serial port (`/dev/ttyUSB0`), a pad on the network (`socket://host:port`,
`rfc2217://host:port`) or `loop://`. Each question opens the port, reads it
with pyserial's `ReaderThread` and a line reader, and closes it again, so a
pad unplugged between patients is found again when it is plugged back in.

`ask` blocks until the patient answers, so screens call it in a worker. Every
way it can go wrong (cannot open, no answer in time, a line that is not an
answer, the cable pulled while waiting, staff cancelling) is one
`SigpadError` with a reason staff can act on; the caller records nothing then.
"""

from __future__ import annotations

import contextlib
import errno
import queue
import threading
from typing import Any

import serial
from serial.threaded import LineReader, ReaderThread

from rxmsg_tui.devices.sigpad_protocol import (
    MAX_LINE,
    PadAnswer,
    is_pong,
    parse_result,
    prompt_line,
)

__all__ = ["PadAnswer", "SignaturePad", "SigpadCancelled", "SigpadError"]

DEFAULT_BAUD = 9600
"""The usual rate of serial signature pads; used for serial ports, ignored by network URLs."""
READ_POLL = 0.2
"""How often the reader thread looks up from a quiet port: bounds how long closing takes."""


class SigpadError(Exception):
    """The pad could not give an answer; the message says why in plain words."""


class SigpadCancelled(SigpadError):
    """Staff stopped waiting (Escape): nothing more is said to the pad, nothing recorded."""


class _Lost:
    """Queued by the reader when the port fails or closes; `reason` says how."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


_Event = str | _Lost


class _PadLines(LineReader):  # type: ignore[misc]  # pyserial ships no types
    """Hands each line the pad sends to a queue; a lost port becomes a `_Lost` event."""

    TERMINATOR = b"\n"  # CRLF from the pad; a bare LF is accepted too and the CR stripped

    def __init__(self, events: queue.Queue[_Event]) -> None:
        super().__init__()
        self.events = events

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if len(self.buffer) > MAX_LINE:
            self.buffer.clear()
            self.events.put("<a line longer than any answer>")

    def handle_packet(self, packet: bytes) -> None:
        self.events.put(packet.decode("utf-8", "replace").rstrip("\r"))

    def connection_lost(self, exc: BaseException | None) -> None:
        # Not the base class's: it re-raises `exc` in the reader thread, which only prints it.
        self.transport = None
        why = "the connection to the signature pad closed"
        if exc is not None:
            why = "the signature pad was disconnected while waiting (cable pulled or pad off)"
        self.events.put(_Lost(why))


class _PadReader(ReaderThread):  # type: ignore[misc]  # pyserial ships no types
    """pyserial's reader thread, where a port gone while asked how much is waiting ends the read.

    Before each read the reader asks the port how many bytes wait (an ioctl);
    a pty or USB adapter that has just gone answers it with EIO, a plain
    `OSError` that pyserial's loop does not catch (it catches a failed read's
    `SerialException`). The thread then died without a word and `ask` waited
    out its whole timeout instead of saying the cable was pulled.
    """

    def run(self) -> None:
        try:
            super().run()
        except OSError as exc:
            self.alive = False
            protocol: _PadLines | None = getattr(self, "protocol", None)
            if protocol is not None:
                protocol.connection_lost(exc)
                self.protocol = None


class SignaturePad:
    """One signature pad, reached at a pyserial URL.

    `cancel()` may be called from any thread while `ask` waits: `ask` then
    raises `SigpadCancelled` at once.
    """

    def __init__(self, url: str, *, baudrate: int = DEFAULT_BAUD) -> None:
        self.url = url
        self.baudrate = baudrate
        self._waiting: queue.Queue[_Event] | None = None
        self._cancelled = threading.Event()

    def ask(self, prompt_id: str, text: str, timeout: float) -> PadAnswer:
        """Show `text` on the pad; the patient's answer to this very prompt, or SigpadError.

        A RESULT for another prompt id is a late answer to an earlier question
        (asked, then given up on) and is ignored: it never counts for this one.
        """
        line = prompt_line(prompt_id, text)
        with self._link() as (link, events):
            self._send(link, line)
            while True:
                event = self._next(
                    events, timeout, f"the patient did not answer within {timeout:g} s"
                )
                answer = parse_result(event)
                if answer is not None and answer.prompt_id == prompt_id:
                    return answer
                if answer is None and not is_pong(event) and event.strip():
                    raise SigpadError(
                        f"the signature pad sent something that is not an answer: {_shown(event)}"
                    )

    def ping(self, timeout: float = 3.0) -> None:
        """PING → PONG: the pad is there and speaks the protocol; SigpadError otherwise."""
        with self._link() as (link, events):
            self._send(link, "PING")
            while True:
                event = self._next(
                    events, timeout, f"the signature pad did not answer PING within {timeout:g} s"
                )
                if is_pong(event):
                    return
                if event.strip() and parse_result(event) is None:
                    raise SigpadError(
                        f"the signature pad answered PING with {_shown(event)}, not PONG"
                    )

    def cancel(self) -> None:
        """Stop the question waiting now (from another thread)."""
        self._cancelled.set()
        waiting = self._waiting
        if waiting is not None:
            waiting.put(_Lost("cancelled"))

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _link(self) -> _Link:
        if self._cancelled.is_set():
            raise SigpadCancelled("cancelled before the pad was asked")
        return _Link(self)

    def _next(self, events: queue.Queue[_Event], timeout: float, late: str) -> str:
        try:
            event = events.get(timeout=timeout)
        except queue.Empty:
            raise SigpadError(late) from None
        if isinstance(event, _Lost):
            if self._cancelled.is_set():
                raise SigpadCancelled("staff stopped waiting for the patient")
            raise SigpadError(event.reason)
        return event

    def _send(self, link: ReaderThread, line: str) -> None:
        try:
            link.write(f"{line}\r\n".encode())
        except (serial.SerialException, OSError) as exc:
            raise SigpadError(f"cannot write to the signature pad at {self.url}: {exc}") from None


class _Link:
    """The open port and its reader thread for one question; closed whatever happens."""

    def __init__(self, pad: SignaturePad) -> None:
        self.pad = pad
        self.events: queue.Queue[_Event] = queue.Queue()
        self.thread: ReaderThread | None = None

    def __enter__(self) -> tuple[ReaderThread, queue.Queue[_Event]]:
        port = _open(self.pad.url, self.pad.baudrate)
        self.thread = _PadReader(port, lambda: _PadLines(self.events))
        self.thread.daemon = True
        self.thread.start()
        self.thread.connect()
        # The reader waits up to 1 s on ports it cannot interrupt (sockets); closing waits for it.
        port.timeout = READ_POLL
        self.pad._waiting = self.events
        if self.pad.cancelled:
            self.events.put(_Lost("cancelled"))
        return self.thread, self.events

    def __exit__(self, *exc: Any) -> None:
        self.pad._waiting = None
        if self.thread is not None:
            # A port already gone (cable pulled) leaves nothing to close.
            with contextlib.suppress(serial.SerialException, OSError):
                self.thread.close()


def _open(url: str, baudrate: int) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=READ_POLL)
    except ValueError as exc:
        raise SigpadError(
            f"RXMSG_SIGPAD_URL {url!r} is not a port or URL pyserial knows: {exc}"
        ) from None
    except (serial.SerialException, OSError) as exc:
        raise SigpadError(_cannot_open(url, exc)) from None


def _cannot_open(url: str, exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"cannot open the signature pad at {url}: permission denied; add this login to "
            "the group that owns the port (usually `dialout`: sudo usermod -aG dialout $USER, "
            "then log in again)"
        )
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return f"cannot open the signature pad at {url}: no such port (is the pad plugged in?)"
    return f"cannot open the signature pad at {url}: {exc}"


def _shown(line: str) -> str:
    """A line from the pad as staff may see it: printable and short."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in line)
    return repr(clean[:60] + ("…" if len(clean) > 60 else ""))
