"""A real SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS and AUTH, recording what it accepts."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

SMTP_USER = "pharmacy"
SMTP_PASSWORD = "smtp-pw-Zq8#Lx2!vN4@rT6"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None
    tls: bool


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    """Recipient → the SMTP reply to give it instead of accepting (e.g. `550 5.1.1 …`)."""

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode() if session.auth_data else None
        content = envelope.original_content or b""
        self.received.append(
            Received(
                envelope.mail_from or "", list(envelope.rcpt_tos), content, login, bool(session.ssl)
            )
        )
        return "250 2.0.0 Message accepted for delivery"


def check_login(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    if ok:
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 5.7.8


class LoopbackController(Controller):
    """Binds an ephemeral port (port=0) and learns which one before its readiness check."""

    def __init__(self, handler: RecordingHandler, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def start_smtp_server(
    handler: RecordingHandler, *, tls_context: ssl.SSLContext | None, with_auth: bool
) -> LoopbackController:
    kwargs: dict[str, Any] = {}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    if with_auth:
        kwargs.update(authenticator=check_login, auth_required=True, auth_require_tls=True)
    controller = LoopbackController(handler, **kwargs)
    controller.start()
    return controller
