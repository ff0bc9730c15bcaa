"""textual-serve's Server behind the access gate, with TLS, idle ends and audited sessions.

Every request passes `_guard` first: the Host must be this server, an Origin
(always sent with a WebSocket upgrade) must be this server's, and the
browser must hold a session cookie, which only the one-time link gives. Each
WebSocket runs its own `rxmsg` process; it is closed, and its process ended,
after `idle_seconds` without keyboard input, and its start and end are
written to the audit log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import signal
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.server import Server

from rxmsg_tui.cli.remote.access import AccessGate
from rxmsg_tui.cli.remote.child import SessionProcess
from rxmsg_tui.cli.remote.page import content_security_policy, render_page
from rxmsg_tui.cli.remote.session_log import SessionLog

log = logging.getLogger("rxmsg.serve")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_KEY = web.RequestKey("rxmsg_session", str)
MAX_TERMINAL = 1000
"""Largest width or height a browser may ask for, in cells."""

_PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class _Activity:
    """When the browser last sent keyboard input, and why its session ended."""

    last: float = field(default_factory=time.monotonic)
    reason: str = "closed"

    def touch(self) -> None:
        self.last = time.monotonic()


class SupportServer(Server):
    """textual-serve for one store's remote support; see the module docstring."""

    def __init__(
        self,
        *,
        command: str,
        child_env: dict[str, str],
        gate: AccessGate,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None,
        sessions: SessionLog,
        banner: list[str],
    ) -> None:
        super().__init__(command, host=host, port=port, title="rxmsg remote support")
        self.child_env = child_env
        self.gate = gate
        self.ssl_context = ssl_context
        self.sessions = sessions
        self.banner = banner
        self._open: dict[web.WebSocketResponse, _Activity] = {}

    def initialize_logging(self) -> None:
        """Plain lines on stderr: no Rich tracebacks with local variables (the token is one)."""
        logging.basicConfig(level=logging.INFO, format="rxmsg serve: %(message)s")

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            status, reason = refusal
            log.warning("refused %s %s from %s: %s", request.method, request.path,
                        request.remote, reason)  # fmt: skip
            response: web.StreamResponse = web.Response(status=status, text=reason + "\n")
        else:
            response = await handler(request)
            if (new_session := request.get(SESSION_KEY)) and new_session != self._cookie(request):
                response.set_cookie(
                    self.gate.cookie_name,
                    new_session,
                    httponly=True,
                    samesite="Strict",
                    secure=self.ssl_context is not None,
                    path="/",
                )
        if not response.prepared:
            response.headers.update(_PAGE_HEADERS)
        return response

    def _refusal(self, request: web.Request) -> tuple[int, str] | None:
        """Why this request may not reach the TUI, or None when it may (the session is noted)."""
        if not self.gate.host_allowed(request.host):
            return 421, "This server does not answer to that host name."
        origin = request.headers.get("Origin")
        if origin is None and request.path == "/ws":
            return 403, "A session needs the page this server serves (no Origin given)."
        if origin is not None and not self.gate.origin_allowed(origin, request.host):
            return 403, "Refused: the request comes from another web site."
        session = self._cookie(request)
        if self.gate.signed_in(session):
            request[SESSION_KEY] = session or ""
            return None
        token = request.query.get("token")
        if request.path == "/" and token is not None:
            new_session = self.gate.redeem(token)
            if new_session is None:
                return 403, "This link has been used or is not valid: each link works once."
            request[SESSION_KEY] = new_session
            return None
        return 401, "Not signed in: open the link rxmsg serve printed when it started."

    def _cookie(self, request: web.Request) -> str | None:
        return request.cookies.get(self.gate.cookie_name)

    async def handle_index(self, request: web.Request) -> web.Response:
        """The terminal page; its WebSocket URL is built from the Host the gate accepted."""
        nonce = secrets.token_urlsafe(16)
        scheme = "wss" if self.ssl_context is not None else "ws"
        websocket_url = f"{scheme}://{request.host}/ws"
        font_size = request.query.get("fontsize", "16")
        html = render_page(
            title=self.title,
            static="/static/",
            websocket_url=websocket_url,
            font_size=int(font_size) if font_size.isdigit() and len(font_size) < 3 else 16,
            nonce=nonce,
        )
        response = web.Response(text=html, content_type="text/html")
        response.headers["Content-Security-Policy"] = content_security_policy(
            nonce=nonce, websocket_url=websocket_url
        )
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser session: its own `rxmsg` process, audited, ended when idle."""
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        session_id = request[SESSION_KEY]
        peer = request.remote or "unknown"
        tag = secrets.token_hex(4)
        try:
            await self.sessions.started(peer=peer, session=tag)
        except Exception as exc:  # no audit row, no session: the pharmacy must see who came in
            log.error("session from %s refused: the audit log cannot be written (%s)",
                      peer, type(exc).__name__)  # fmt: skip
            await websocket.close(code=WSCloseCode.INTERNAL_ERROR, message=b"audit log unavailable")
            return websocket
        log.info("session %s started from %s", tag, peer)
        started = time.monotonic()
        activity = _Activity()
        self._open[websocket] = activity
        self.gate.socket_opened(session_id)

        async def close() -> None:
            """The TUI quit (Ctrl+Q): end the session."""
            await websocket.close()

        child = SessionProcess(
            self.command,
            extra_env=self.child_env,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        watchdog = asyncio.create_task(self._close_when_idle(websocket, activity))
        try:
            await child.start(*_terminal_size(request.query))
            await self._relay(websocket, child, activity)
        except OSError as exc:
            activity.reason = "failed"
            log.error("session %s: rxmsg could not be started (%s)", tag, exc.strerror or exc)
        finally:
            watchdog.cancel()
            await asyncio.shield(child.stop())
            await websocket.close()
            del self._open[websocket]
            self.gate.socket_closed(session_id, ended_idle=activity.reason == "idle")
            await self._record_end(peer, tag, activity.reason, time.monotonic() - started)
        return websocket

    async def _relay(
        self, websocket: web.WebSocketResponse, child: SessionProcess, activity: _Activity
    ) -> None:
        """Browser to process; malformed envelopes are ignored, never a traceback."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                activity.touch()
                await child.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                activity.touch()
                await child.set_terminal_size(*_terminal_size(data))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "focus":
                activity.touch()
                await child.focus()
            elif kind == "blur":
                await child.blur()

    async def _close_when_idle(self, websocket: web.WebSocketResponse, activity: _Activity) -> None:
        while (left := activity.last + self.gate.idle_seconds - time.monotonic()) > 0:
            await asyncio.sleep(left)
        activity.reason = "idle"
        log.info("closing a session left idle for %.0f s", self.gate.idle_seconds)
        await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"ended after idle time")

    async def _record_end(self, peer: str, tag: str, reason: str, seconds: float) -> None:
        log.info("session %s from %s ended (%s)", tag, peer, reason)
        try:
            await self.sessions.ended(peer=peer, session=tag, reason=reason, seconds=int(seconds))
        except Exception as exc:  # the session is over either way; say so on the console
            log.error("the end of session %s could not be audited (%s)", tag, type(exc).__name__)

    async def on_shutdown(self, app: web.Application) -> None:
        """Close open sessions so their processes end and the audit log says `shutdown`."""
        for websocket, activity in list(self._open.items()):
            activity.reason = "shutdown"
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")

    def serve(self, debug: bool = False) -> None:
        """Run until SIGINT/SIGTERM; a port that cannot be bound raises OSError."""
        self.initialize_logging()
        asyncio.run(self._run())

    async def _run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runner = web.AppRunner(await self._make_app(), access_log=None, shutdown_timeout=10)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, ssl_context=self.ssl_context)
            await site.start()
            # Only now: the link printed is one that answers.
            sys.stdout.write("\n".join(self.banner) + "\n")
            sys.stdout.flush()
            await stop.wait()
        finally:
            await runner.cleanup()


def _terminal_size(values: object) -> tuple[int, int]:
    """Width and height from the browser, within 1..MAX_TERMINAL, else 80x24."""
    get = getattr(values, "get", None)
    width = _cells(get("width") if get else None, 80)
    height = _cells(get("height") if get else None, 24)
    return width, height


def _cells(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if 1 <= number <= MAX_TERMINAL else default
