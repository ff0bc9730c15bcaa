"""A Twilio-compatible SMS server on loopback that honours Idempotency-Key, for sending tests.

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio (201
with a Message SID) and remembers every Idempotency-Key: a repeated key gets
the first answer again and is counted as a duplicate, not a second delivery.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32


class TwilioStub:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.delivered: dict[str, dict[str, str]] = {}
        """Idempotency-Key → the form first delivered with it."""
        self.requests: Counter[str] = Counter()
        """Idempotency-Key → how many requests carried it."""
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.stub = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def total_requests(self) -> int:
        with self.lock:
            return sum(self.requests.values())

    def __enter__(self) -> TwilioStub:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accept(self, key: str, form: dict[str, str]) -> str:
        with self.lock:
            self.requests[key] += 1
            self.delivered.setdefault(key, form)
            return "SM" + key.replace("-", "")[:32]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # several dispatchers open dozens of connections at once


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        stub: TwilioStub = self.server.stub  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if stub.delay:
            time.sleep(stub.delay)
        key = self.headers.get("Idempotency-Key", "")
        if not key or not self.path.endswith("/Messages.json"):
            self._answer(400, b'{"code": 21601, "message": "missing Idempotency-Key"}')
            return
        sid = stub.accept(key, form)
        body = f'{{"sid": "{sid}", "status": "queued", "to": "{form.get("To", "")}"}}'
        self._answer(201, body.encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass
