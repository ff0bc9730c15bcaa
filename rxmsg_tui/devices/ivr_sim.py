"""An IVR computer on 127.0.0.1 for tests, demos and training (`rxmsg devices ivr-sim`).

It speaks docs/ivr-protocol.md: answers `queued` at once, then after `delay`
seconds each call's final status from the script, in the order calls arrive, starting again
at the top when the script ends (so `--script no-answer` never answers: a
retry demo). It replies to `ping` and `status`, never places a call twice
for an id it holds queued or answered, and logs every call it takes. It
keeps its calls in memory: killed, it forgets them, and answers `unknown`
for them afterwards (rxmsg then sends those again, once).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

OPS = frozenset({"call", "sms", "email"})
STATUSES = ("answered", "no-answer", "busy", "failed")
HELD = frozenset({"queued", "answered"})
"""An id in one of these is not placed again when it comes back (a retry after a lost reply)."""


def parse_script(text: str) -> tuple[str, ...]:
    """`answered,no-answer` as a tuple; a word that is not a status is refused by name."""
    words = tuple(word.strip() for word in text.split(",") if word.strip())
    wrong = [word for word in words if word not in STATUSES]
    if wrong or not words:
        raise ValueError(
            f"{', '.join(wrong) or 'an empty script'}: the script takes {', '.join(STATUSES)}"
        )
    return words


class IvrSimulator:
    """A threaded TCP server; `start()` binds (port 0 = any free port) and returns at once."""

    def __init__(
        self,
        *,
        port: int = 0,
        script: Sequence[str] = ("answered",),
        delay: float = 0.2,
        log: Callable[[str], None] = print,
        host: str = "127.0.0.1",
    ) -> None:
        self.delay = delay
        self._log = log
        self._script: Iterator[str] = itertools.cycle(script)
        self._lock = threading.Lock()
        self.calls: dict[str, str] = {}
        """Each id taken and its latest status."""
        self.placed: list[tuple[str, str]] = []
        """(id, final status) of every call completed, in order."""
        self._timers: list[threading.Timer] = []
        self._server = _Server((host, port), _Handler)
        self._server.simulator = self

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> IvrSimulator:
        threading.Thread(target=self._server.serve_forever, name="ivr-sim", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every connection, as a powered-off IVR would."""
        with self._lock:
            for timer in self._timers:
                timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        for conn in list(self._server.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def answer(self, line: dict[str, object], reply: Callable[[dict[str, str]], None]) -> None:
        """One request; `reply` writes a line back on the connection it came from."""
        op = line.get("op")
        message_id = line.get("id")
        if op == "ping":
            reply({"op": "pong"})
        elif op == "status" and isinstance(message_id, str):
            with self._lock:
                reply({"id": message_id, "status": self.calls.get(message_id, "unknown")})
        elif op in OPS and isinstance(message_id, str) and isinstance(line.get("to"), str):
            self._take(str(op), message_id, str(line["to"]), reply)
        else:
            reply({"op": "error", "reason": "expected ping, status, call, sms or email"})

    def _take(
        self, op: str, message_id: str, to: str, reply: Callable[[dict[str, str]], None]
    ) -> None:
        with self._lock:
            known = self.calls.get(message_id)
            if known in HELD:
                reply({"id": message_id, "status": known})
                self._record(op, to, message_id, f"{known} (again: not placed twice)")
                return
            self.calls[message_id] = "queued"
            reply({"id": message_id, "status": "queued"})
            self._record(op, to, message_id, "queued")
            status = next(self._script)  # in the order calls arrive, whatever the timers do
            timer = threading.Timer(self.delay, self._finish, (op, message_id, to, status, reply))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()

    def _finish(
        self,
        op: str,
        message_id: str,
        to: str,
        status: str,
        reply: Callable[[dict[str, str]], None],
    ) -> None:
        with self._lock:
            self.calls[message_id] = status
            self.placed.append((message_id, status))
            self._record(op, to, message_id, status)
        with contextlib.suppress(OSError):  # gone: rxmsg asks with `status` after reconnecting
            reply({"id": message_id, "status": status})

    def _record(self, op: str, to: str, message_id: str, status: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._log(f"{stamp} {op} {to} {message_id} {status}")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    simulator: IvrSimulator

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        self.connections: set[socket.socket] = set()
        super().__init__(address, handler)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(sock)
        write = threading.Lock()

        def reply(answer: dict[str, str]) -> None:
            with write:
                sock.sendall(json.dumps(answer).encode() + b"\n")

        try:
            for raw in self.rfile:
                try:
                    line = json.loads(raw)
                except ValueError:
                    reply({"op": "error", "reason": "not a JSON line"})
                    continue
                if isinstance(line, dict):
                    self.server.simulator.answer(line, reply)
                else:
                    reply({"op": "error", "reason": "a line must be a JSON object"})
        except OSError:
            pass
        finally:
            self.server.connections.discard(sock)
