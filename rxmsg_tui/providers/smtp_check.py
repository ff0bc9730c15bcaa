"""The SMTP relay's Test: connect, EHLO, STARTTLS (required, as for sending), AUTH, QUIT."""

from __future__ import annotations

import smtplib
import ssl

from rxmsg_tui.config import Settings
from rxmsg_tui.providers.check_words import (
    CheckResult,
    CheckTarget,
    missing,
    network_failure,
    with_sender,
)
from rxmsg_tui.providers.http_errors import redact
from rxmsg_tui.providers.smtp import IMPLICIT_TLS_PORT


def check_smtp(settings: Settings, target: CheckTarget) -> CheckResult:
    host, port, user = settings.smtp_host, settings.smtp_port, settings.smtp_user
    if not host:
        return missing(("smtp_host", host)) or CheckResult(False, "not set up")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    if user and not password:
        return CheckResult(False, "not set up: RXMSG_SMTP_PASSWORD is not set for RXMSG_SMTP_USER")
    context = target.ssl_context or ssl.create_default_context()
    timeout = target.timeouts.read
    smtp: smtplib.SMTP | None = None
    try:
        if port == IMPLICIT_TLS_PORT:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                return CheckResult(
                    False,
                    f"the mail server {host}:{port} does not offer STARTTLS; rxmsg never sends "
                    "patient email or a password unencrypted",
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if user:
            smtp.login(user, password)
        smtp.quit()
    except smtplib.SMTPResponseException as exc:
        return CheckResult(False, _smtp_refusal(exc, password))
    except smtplib.SMTPServerDisconnected:
        return CheckResult(False, f"the mail server {host}:{port} closed the connection")
    except smtplib.SMTPException as exc:
        return CheckResult(False, redact(f"the mail server {host}:{port}: {exc}", (password,)))
    except OSError as exc:
        return CheckResult(False, network_failure(exc, "the mail server", host, port, timeout))
    finally:
        if smtp is not None:
            smtp.close()
    login = f", login as {user} accepted" if user else " (no login set)"
    tls = "TLS" if port == IMPLICIT_TLS_PORT else "STARTTLS"
    return with_sender(settings, f"the mail server {host}:{port} answered with {tls}{login}")


def _smtp_refusal(exc: smtplib.SMTPResponseException, password: str) -> str:
    """`the mail server refused the login (535): 5.7.8 Authentication credentials invalid`."""
    raw = exc.smtp_error
    said = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    what = "refused the login" if isinstance(exc, smtplib.SMTPAuthenticationError) else "answered"
    return redact(
        f"the mail server {what} ({exc.smtp_code}): {' '.join(said.split())}", (password,)
    )
