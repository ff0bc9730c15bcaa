"""A signature pad simulator: the pad's side of the line protocol on a real pty or TCP socket.

`rxmsg devices sigpad-sim` runs it for demos and training, and the tests run
it to drive the real driver over a real pty (`/dev/pts/N`, as a USB serial
pad appears) or a socket (`socket://127.0.0.1:P`, as a network pad does).
What the pad answers is a `Responder`: always YES, always NO, ask a person
in the terminal, or anything a test needs (silence, garbage).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

from rxmsg_tui.devices.sigpad_protocol import (
    MAX_LINE,
    PadAnswer,
    Prompt,
    is_ping,
    parse_prompt,
    result_line,
)

Responder = Callable[[Prompt], str | None]
"""The line the pad answers a prompt with (without CRLF), or None to stay silent."""
Log = Callable[[str], None]
POLL = 0.2
"""How often the serving loops look up to see whether they should stop."""


def synthetic_signature(prompt: Prompt) -> str:
    """The sha256 of a made-up signature: unique per prompt, like a real pad's."""
    drawn = f"synthetic signature for prompt {prompt.prompt_id} at {time.time_ns()}"
    return hashlib.sha256(drawn.encode()).hexdigest()


def answer_yes(prompt: Prompt) -> str:
    return result_line(PadAnswer(prompt.prompt_id, True, synthetic_signature(prompt)))


def answer_no(prompt: Prompt) -> str:
    return result_line(PadAnswer(prompt.prompt_id, False))


def answer_by_person(ask: Callable[[str], str], say: Log) -> Responder:
    """`--answer ask`: the wording is shown in the terminal and a person types y or n."""

    def respond(prompt: Prompt) -> str:
        say(f"The patient reads: {prompt.text}")
        while True:
            typed = ask("Sign and agree? [y/n] ").strip().lower()
            if typed in ("y", "yes"):
                return answer_yes(prompt)
            if typed in ("n", "no"):
                return answer_no(prompt)

    return respond


class PadSession:
    """The pad's side of one connection: bytes in, the replies to send back out."""

    def __init__(self, respond: Responder, log: Log) -> None:
        self.respond = respond
        self.log = log
        self.buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        replies: list[bytes] = []
        while b"\n" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\n", 1)
            reply = self._answer(raw.decode("utf-8", "replace").rstrip("\r"))
            if reply is not None:
                replies.append(f"{reply}\r\n".encode())
        if len(self.buffer) > MAX_LINE:
            self.buffer = b""
        return replies

    def _answer(self, line: str) -> str | None:
        if is_ping(line):
            return "PONG"
        prompt = parse_prompt(line)
        if prompt is None:
            if line.strip():
                self.log(f"ignored a line that is not a PROMPT or PING: {line[:60]!r}")
            return None
        self.log(f"PROMPT {prompt.prompt_id}: {prompt.text}")
        reply = self.respond(prompt)
        self.log(f"  answered {_said(reply)}")
        return reply


def _said(reply: str | None) -> str:
    """YES, NO or what else was sent, for the log (the signature hash is left out)."""
    if reply is None:
        return "nothing"
    words = reply.split(" ")
    return words[2] if len(words) > 2 and words[0] == "RESULT" else repr(reply[:60])


class PtyPad:
    """The pad on a new pseudo-terminal; `path` (e.g. /dev/pts/5) is its RXMSG_SIGPAD_URL.

    The simulator keeps the terminal's device end open too, so the port stays
    usable between patients as a plugged-in pad does; `close()` is the cable pulled.
    """

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.closed = threading.Event()

    @property
    def url(self) -> str:
        return self.path

    def serve(self, respond: Responder, log: Log, stop: threading.Event) -> None:
        session = PadSession(respond, log)
        while not stop.is_set() and not self.closed.is_set():
            try:  # closed from another thread (the cable pulled): the descriptor is gone
                ready, _, _ = select.select([self.master], [], [], POLL)
                data = os.read(self.master, 1024) if ready else b""
            except (OSError, ValueError):
                return
            if not data:
                continue
            for reply in session.feed(data):
                os.write(self.master, reply)

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            for fd in (self.master, self.slave):
                with contextlib.suppress(OSError):
                    os.close(fd)


class TcpPad:
    """The pad on a TCP port of 127.0.0.1, for `socket://127.0.0.1:P`; one connection at a time."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.listener = socket.create_server((host, port))
        self.listener.settimeout(POLL)
        self.host = host
        self.port = int(self.listener.getsockname()[1])
        self.connection: socket.socket | None = None
        self.closed = threading.Event()

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def serve(self, respond: Responder, log: Log, stop: threading.Event) -> None:
        while not stop.is_set() and not self.closed.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connection = conn
            with conn:
                self._talk(conn, PadSession(respond, log), stop)
            self.connection = None

    def _talk(self, conn: socket.socket, session: PadSession, stop: threading.Event) -> None:
        conn.settimeout(POLL)
        while not stop.is_set() and not self.closed.is_set():
            try:
                data = conn.recv(1024)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            for reply in session.feed(data):
                conn.sendall(reply)

    def close(self) -> None:
        """The cable pulled: the connection and the listener go away."""
        self.closed.set()
        connection = self.connection  # the serving thread may let go of it meanwhile
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.listener.close()
