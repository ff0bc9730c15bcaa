"""Email through an SMTP relay (smtplib), encrypted with STARTTLS unless told otherwise."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    ProviderError,
    SendResult,
    TransientError,
)
from rxmsg_tui.providers.email_message import build_email
from rxmsg_tui.providers.http_errors import redact

log = logging.getLogger(__name__)

IMPLICIT_TLS_PORT = 465


class SmtpProvider:
    """One connection per message: a relay drops idle sessions, and sends are seconds apart.

    STARTTLS is required by default; only a test or a relay on the same machine
    should ever set `require_starttls=False`. Port 465 speaks TLS from the start.
    """

    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        from_address: str,
        port: int = 587,
        from_name: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
        require_starttls: bool = True,
        local_hostname: str | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.from_address = from_address
        self.from_name = from_name
        self.username = username
        self._password = password
        self.timeout = timeout
        self.require_starttls = require_starttls
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._local_hostname = local_hostname
        self._now = now or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"SmtpProvider(host={self.host!r}, port={self.port}, user={self.username!r})"

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.method is not Method.EMAIL:
            raise PermanentError(f"{message.method} cannot be sent by SMTP: email only")
        email = build_email(
            message, from_address=self.from_address, from_name=self.from_name, sent_at=self._now()
        )
        try:
            with self._connect() as smtp:
                self._secure(smtp)
                if self.username:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(email, from_addr=self.from_address, to_addrs=[message.to])
        except (smtplib.SMTPException, OSError) as exc:
            raise self._error(exc) from exc
        log.info("message %s accepted by SMTP relay %s", message.uuid, self.host)
        return SendResult(
            provider_message_id=str(email["Message-ID"]),
            status_code=250,
            response=f"250 accepted by {self.host}:{self.port}",
        )

    def _connect(self) -> smtplib.SMTP:
        if self.port == IMPLICIT_TLS_PORT:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=self._ssl_context,
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )

    def _secure(self, smtp: smtplib.SMTP) -> None:
        if isinstance(smtp, smtplib.SMTP_SSL):
            return
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=self._ssl_context)
            smtp.ehlo()
        elif self.require_starttls:
            raise PermanentError(
                f"The mail server {self.host} does not offer STARTTLS; "
                "patient email and the password are never sent unencrypted"
            )

    def _error(self, exc: smtplib.SMTPException | OSError) -> ProviderError:
        """SMTP's own rule: 4xx means try again later, 5xx means never (RFC 5321 §4.2.1)."""
        secrets = (self._password or "",)
        if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
            code, text = next(iter(exc.recipients.values()))
            return _by_code(code, text, "refused the recipient", secrets)
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return _by_code(exc.smtp_code, exc.smtp_error, "refused our login", secrets)
        if isinstance(exc, smtplib.SMTPResponseException):
            return _by_code(exc.smtp_code, exc.smtp_error, "refused the message", secrets)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return PermanentError(f"The mail server cannot do what we need: {exc}")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentError(
                f"The mail server's certificate could not be verified: {exc.verify_message}"
            )
        if isinstance(exc, TimeoutError):
            return TransientError(f"The mail server {self.host} did not answer in time")
        # Refused connections, drops mid-dialogue, TLS hiccups: the relay may be back soon.
        detail = redact(str(exc) or type(exc).__name__, secrets)
        return TransientError(f"Could not talk to the mail server {self.host}: {detail}")

    def status(self, provider_message_id: str) -> DeliveryStatus:
        """SMTP ends at the relay's acceptance; bounces arrive later as email."""
        return DeliveryStatus.UNKNOWN

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        return []

    def close(self) -> None:
        """Nothing stays open between messages."""


def _by_code(code: int, text: bytes | str, what: str, secrets: tuple[str, ...]) -> ProviderError:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    said = redact(" ".join(said.split()), secrets)
    reason = f"The mail server {what} ({code}): {said}" if said else f"The mail server {what}"
    if 400 <= code < 500:
        return TransientError(reason, status_code=code, response=f"{code} {said}")
    if 500 <= code < 600:
        return PermanentError(reason, status_code=code, response=f"{code} {said}")
    return TransientError(reason, status_code=code, response=f"{code} {said}")
