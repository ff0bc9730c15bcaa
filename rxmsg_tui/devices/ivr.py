"""The IVR computer's driver: JSON lines over TCP (DESIGN.md §6, docs/ivr-protocol.md).

One `IvrLink` per IVR computer keeps one connection open, reads the IVR's
lines on its own thread and reconnects with exponential backoff and jitter
when the IVR goes away, so a pharmacy's IVR rebooting at lunch never needs
anyone at rxmsg. Handing a message over waits (bounded) for the IVR's
`queued`; final statuses arrive later and are kept until read. Nothing here
knows about the queue: the transport (providers/ivr.py) turns statuses into
the message's status.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time

from rxmsg_tui.domain.backoff import RetryPolicy

log = logging.getLogger("rxmsg.devices.ivr")

FINAL_STATUSES = frozenset({"answered", "no-answer", "busy", "failed"})
"""What a call (or text, or email) ended as; anything else is not final."""
MAX_LINE = 65_536
"""A longer line is not an IVR speaking: the connection is dropped and made again."""
RECONNECT = RetryPolicy(max_attempts=1_000_000, base_seconds=0.5, cap_seconds=30.0)
"""Half a second after the first failure, doubling to at most 30 s (with full jitter)."""


class IvrDown(ConnectionError):
    """Not connected to the IVR computer now; nothing was handed over."""


class IvrNoAnswer(TimeoutError):
    """Connected, but the IVR did not answer in time (what it did with the request is unknown)."""


class IvrLink:
    """A reconnecting JSON-lines connection to one IVR computer.

    Replies are matched to requests by the message id; `ping` waits for the
    next `pong`. Thread-safe: the dispatcher's sending threads share one link.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        connect_timeout: float = 3.0,
        answer_timeout: float = 5.0,
        reconnect: RetryPolicy = RECONNECT,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.answer_timeout = answer_timeout
        self.reconnect = reconnect
        self._cond = threading.Condition()
        self._write = threading.Lock()
        self._sock: socket.socket | None = None
        self._waiting: set[str] = set()
        self._replies: dict[str, tuple[str, str]] = {}
        self._finals: dict[str, tuple[str, str]] = {}
        self._pongs = 0
        self._tried = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error = "not connected yet"
        self.connects = 0
        """How many times a connection was made (tests and logs see reconnects)."""

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def start(self) -> IvrLink:
        """Start connecting in the background; returns the link for chaining."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"rxmsg-ivr-{self.where}", daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop reconnecting and drop the connection; waits for the reader to end."""
        self._stop.set()
        with self._cond:
            sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=self.connect_timeout + 1)

    def submit(self, op: str, message_id: str, to: str, text: str, subject: str = "") -> str:
        """Hand one message over: `queued`, or what the IVR already knows of this id.

        Raises IvrDown (nothing handed over) or IvrNoAnswer (maybe handed over:
        sending the same id again is safe, the IVR never places a call twice).
        """
        request: dict[str, str] = {"op": op, "id": message_id, "to": to, "text": text}
        if subject:
            request["subject"] = subject
        return self._ask(message_id, request)[0]

    def query(self, message_id: str) -> tuple[str, str]:
        """The IVR's status of `message_id` and its reason; `unknown` if it never had it."""
        return self._ask(message_id, {"op": "status", "id": message_id})

    def take_final(self, message_id: str) -> tuple[str, str] | None:
        """The final status (and reason) received for `message_id`, forgotten once read."""
        with self._cond:
            return self._finals.pop(message_id, None)

    def ping(self, timeout: float | None = None) -> float:
        """Seconds for a `ping` to come back as `pong`."""
        started = time.monotonic()
        with self._cond:
            seen = self._pongs
        self._send({"op": "ping"})
        deadline = started + (timeout or self.answer_timeout)
        with self._cond:
            while self._pongs == seen:
                self._wait_or_raise(deadline, "ping")
        return time.monotonic() - started

    # --- the connection -------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), self.connect_timeout)
            except OSError as exc:
                failures += 1
                self._down(f"cannot connect to {self.where}: {exc.strerror or exc}")
                self._stop.wait(self.reconnect.delay(failures))
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one short line each
            with self._cond:
                self._sock = sock
                self.connects += 1
                self._cond.notify_all()
            self._tried.set()
            log.info("connected to the IVR computer at %s", self.where)
            failures = 0
            try:
                self._read(sock)
            finally:
                with contextlib.suppress(OSError):
                    sock.close()
            if not self._stop.is_set():
                failures = 1
                self._down(f"the IVR computer at {self.where} closed the connection")
                self._stop.wait(self.reconnect.delay(failures))
        self._down("stopped")

    def _down(self, reason: str) -> None:
        with self._cond:
            was_up = self._sock is not None
            changed = reason != self.last_error
            self._sock = None
            self.last_error = reason
            self._cond.notify_all()
        self._tried.set()
        if was_up or changed:
            log.warning("IVR computer down: %s", reason)

    def _read(self, sock: socket.socket) -> None:
        with sock.makefile("rb") as lines:
            while not self._stop.is_set():
                try:
                    raw = lines.readline(MAX_LINE + 1)
                except OSError:
                    return
                if not raw:
                    return
                if len(raw) > MAX_LINE:
                    log.warning(
                        "the IVR computer sent a line over %d bytes; reconnecting", MAX_LINE
                    )
                    return
                self._handle(raw)

    def _handle(self, raw: bytes) -> None:
        try:
            line = json.loads(raw)
        except ValueError:
            log.warning("the IVR computer sent a line that is not JSON; ignored")
            return
        if not isinstance(line, dict):
            return
        with self._cond:
            if line.get("op") == "pong":
                self._pongs += 1
            message_id, status = line.get("id"), line.get("status")
            if isinstance(message_id, str) and isinstance(status, str):
                reason = line.get("reason")
                answer = (status, reason if isinstance(reason, str) else "")
                if message_id in self._waiting:
                    self._replies.setdefault(message_id, answer)
                if status in FINAL_STATUSES:
                    self._finals[message_id] = answer
            self._cond.notify_all()

    # --- requests --------------------------------------------------------------------

    def _ask(self, message_id: str, request: dict[str, str]) -> tuple[str, str]:
        deadline = time.monotonic() + self.answer_timeout
        with self._cond:
            self._waiting.add(message_id)
            self._replies.pop(message_id, None)
        try:
            self._send(request)
            with self._cond:
                while message_id not in self._replies:
                    self._wait_or_raise(deadline, request["op"])
                return self._replies.pop(message_id)
        finally:
            with self._cond:
                self._waiting.discard(message_id)
                self._replies.pop(message_id, None)

    def _wait_or_raise(self, deadline: float, what: str) -> None:
        """Wait for the next line; called holding the condition."""
        if self._sock is None:
            raise IvrDown(self.last_error)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise IvrNoAnswer(f"the IVR computer at {self.where} did not answer the {what}")
        self._cond.wait(remaining)

    def _send(self, request: dict[str, str]) -> None:
        if not self._tried.is_set():  # just started: give the first connection a moment
            self._tried.wait(self.connect_timeout)
        data = json.dumps(request, ensure_ascii=False).encode() + b"\n"
        with self._write:
            sock = self._sock
            if sock is None:
                raise IvrDown(self.last_error)
            try:
                sock.sendall(data)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # the reader sees it and reconnects
                raise IvrDown(f"lost the IVR computer at {self.where}: {exc}") from exc
