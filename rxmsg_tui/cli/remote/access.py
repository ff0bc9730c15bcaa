"""Who may use a running `rxmsg serve`: the one-time link, session cookies, Host and Origin.

The TUI behind `rxmsg serve` shows patients' names, birthdays and phones, so
a browser must prove it holds the link printed at start (a token that works
once, exchanged for an HttpOnly, SameSite=Strict cookie), and every request
must name this server as its Host and, where the browser says, its Origin:
that is what stops a web page open in the same browser from driving the TUI
(cross-site WebSocket hijacking) or reaching it under another name (DNS
rebinding).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine (no TLS needed there)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass
class _Session:
    """One browser that redeemed the link; it stays signed in while it is used."""

    last_seen: float
    sockets: int = 0


class AccessGate:
    """The one-time token, the signed-in browsers, and the Host/Origin this server answers to."""

    def __init__(
        self,
        *,
        bind_host: str,
        port: int,
        tls: bool,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = secrets.token_urlsafe(24)
        self.scheme = "https" if tls else "http"
        self.port = port
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._token_used = False
        self._sessions: dict[str, _Session] = {}
        self._names = _allowed_names(bind_host)

    @property
    def cookie_name(self) -> str:
        """Per port, because browsers share cookies between ports of one host."""
        prefix = "__Host-" if self.scheme == "https" else ""
        return f"{prefix}rxmsg_session_{self.port}"

    def redeem(self, token: str) -> str | None:
        """A new session for the first request that brings the token; None ever after."""
        if self._token_used or not hmac.compare_digest(token.encode(), self.token.encode()):
            return None
        self._token_used = True
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = _Session(last_seen=self._clock())
        return session_id

    def signed_in(self, session_id: str | None) -> bool:
        """Whether the cookie names a live session; using it keeps it alive."""
        session = self._sessions.get(session_id or "")
        if session is None:
            return False
        now = self._clock()
        if session.sockets == 0 and now - session.last_seen > self.idle_seconds:
            del self._sessions[session_id or ""]
            return False
        session.last_seen = now
        return True

    def socket_opened(self, session_id: str) -> None:
        if session := self._sessions.get(session_id):
            session.sockets += 1
            session.last_seen = self._clock()

    def socket_closed(self, session_id: str, *, ended_idle: bool) -> None:
        """A session left idle is over: the page's Restart needs a new link."""
        session = self._sessions.get(session_id)
        if session is None:
            return
        if ended_idle:
            del self._sessions[session_id]
            return
        session.sockets = max(0, session.sockets - 1)
        session.last_seen = self._clock()

    def host_allowed(self, host_header: str) -> bool:
        """The Host header names this server (stops DNS rebinding to it).

        Any port: an SSH tunnel (`ssh -L 9000:127.0.0.1:8000`) changes it,
        and the Origin must then match that same port.
        """
        parsed = _host_port(self.scheme, host_header)
        return parsed is not None and (self._names is None or parsed[0] in self._names)

    def origin_allowed(self, origin: str, host_header: str) -> bool:
        """The page that opened the request was served by this server under this Host."""
        try:
            parts = urlsplit(origin)
            origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return False
        if parts.scheme != self.scheme or parts.path or not parts.hostname:
            return False
        return (parts.hostname.lower(), origin_port) == _host_port(self.scheme, host_header)


def _allowed_names(bind_host: str) -> frozenset[str] | None:
    """The names a browser may use for this server; None when it listens on every address."""
    name = bind_host.strip("[]").lower()
    if name in WILDCARD_HOSTS:
        return None
    if is_loopback(name):
        return LOOPBACK_NAMES | {name}
    return frozenset({name})


def _host_port(scheme: str, host_header: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"//{host_header}")
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path:
        return None
    return parts.hostname.lower(), port
