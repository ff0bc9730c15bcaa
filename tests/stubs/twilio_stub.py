"""A Twilio-compatible SMS server on loopback, for sending tests.

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio (201
with a Message SID) and `GET …/Messages.json?To=…&From=…&DateSent>=…` with
paging. By default it honours Idempotency-Key (a repeated key gets the first
answer again and is counted, not delivered twice); `honour_key=False` makes it
behave like the real Twilio, which ignores the header: every accepted POST is
a text on the patient's phone. `throttle` answers the first POST of a body with
429 and the given Retry-After.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
PAGE_SIZE = 50


class TwilioStub:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        honour_key: bool = True,
        throttle: dict[str, str] | None = None,
    ) -> None:
        self.delay = delay
        self.honour_key = honour_key
        self.throttle = dict(throttle or {})
        """Body → Retry-After header sent with a 429 to that body's first POST."""
        self.delivered: dict[str, dict[str, str]] = {}
        """Idempotency-Key → the form first delivered with it."""
        self.requests: Counter[str] = Counter()
        """Idempotency-Key → how many accepted POSTs carried it."""
        self.texts: list[dict[str, str]] = []
        """Every text that reached a phone, as Twilio lists it."""
        self.posts = 0
        self.lookups = 0
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
            return self.posts

    def texts_per_body(self) -> Counter[str]:
        with self.lock:
            return Counter(text["body"] for text in self.texts)

    def __enter__(self) -> TwilioStub:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accept(self, key: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.posts += 1
            retry_after = self.throttle.pop(form.get("Body", ""), None)
            if retry_after is not None:
                return 429, {"code": 20429, "message": "Too Many Requests", "retry": retry_after}
            self.requests[key] += 1
            if self.honour_key and key in self.delivered:
                return 201, self._listed(self.delivered[key]["sid"])
            sid = f"SM{len(self.texts):032x}"
            now = format_datetime(datetime.now(UTC), usegmt=True).replace("GMT", "+0000")
            text = {
                "sid": sid, "to": form.get("To", ""), "from": form.get("From", ""),
                "body": form.get("Body", ""), "direction": "outbound-api", "status": "queued",
                "date_created": now, "date_sent": now, "day": datetime.now(UTC).strftime("%Y-%m-%d"),
            }  # fmt: skip
            self.texts.append(text)
            self.delivered.setdefault(key, {**form, "sid": sid})
            return 201, self._listed(sid)

    def listing(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.lookups += 1
            matches = [
                self._public(t)
                for t in reversed(self.texts)
                if t["to"] == query.get("To", t["to"])
                and t["from"] == query.get("From", t["from"])
                and t["day"] >= query.get("DateSent>", "")
            ]
        size = int(query.get("PageSize", PAGE_SIZE))
        page = int(query.get("Page", "0"))
        chunk = matches[page * size : (page + 1) * size]
        more = (page + 1) * size < len(matches)
        next_uri = None
        if more:
            next_uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?" + urlencode(
                {**query, "Page": page + 1}
            )
        return {"messages": chunk, "page": page, "page_size": size, "next_page_uri": next_uri}

    def _listed(self, sid: str) -> dict[str, Any]:
        return self._public(next(t for t in self.texts if t["sid"] == sid))

    @staticmethod
    def _public(text: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in text.items() if k != "day"}


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # several dispatchers open dozens of connections at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request is what the crash tests do; it is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        stub: TwilioStub = self.server.stub  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        if len(data) < length:  # the client died mid-request: like any server, send nothing
            self.close_connection = True
            return
        form = {k: v[0] for k, v in parse_qs(data.decode()).items()}
        if stub.delay:
            time.sleep(stub.delay)
        key = self.headers.get("Idempotency-Key", "")
        if not key or not self.path.endswith("/Messages.json"):
            self._answer(400, {"code": 21601, "message": "missing Idempotency-Key"})
            return
        status, body = stub.accept(key, form)
        headers = {"Retry-After": body.pop("retry")} if status == 429 else {}
        self._answer(status, body, headers)

    def do_GET(self) -> None:
        stub: TwilioStub = self.server.stub  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        if not parts.path.endswith("/Messages.json"):
            self._answer(404, {"code": 20404, "message": "not found"})
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self._answer(200, stub.listing(query))

    def _answer(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass
