"""SMTP with STARTTLS and AUTH against a real aiosmtpd server on loopback (trustme certificates)."""

from __future__ import annotations

import ssl
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from rxmsg_tui.providers.base import DeliveryStatus, PermanentError, TransientError
from rxmsg_tui.providers.smtp import SmtpProvider
from tests.providers.loopback_smtp import (
    SMTP_PASSWORD,
    SMTP_USER,
    LoopbackController,
    RecordingHandler,
)
from tests.providers.support import EMAIL_FROM, assert_secret_free, email, sms

SENT_AT = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def _smtp(
    server: LoopbackController,
    context: ssl.SSLContext | None,
    *,
    password: str = SMTP_PASSWORD,
    require_starttls: bool = True,
    username: str | None = SMTP_USER,
) -> SmtpProvider:
    return SmtpProvider(
        host="127.0.0.1",
        port=server.port,
        from_address=EMAIL_FROM,
        from_name="Main St Pharmacy",
        username=username,
        password=password,
        timeout=5.0,
        ssl_context=context,
        require_starttls=require_starttls,
        local_hostname="rxmsg.test",
        now=lambda: SENT_AT,
    )


def test_multipart_email_arrives_over_starttls_after_login(
    smtp_server: LoopbackController, smtp_handler: RecordingHandler, client_tls: ssl.SSLContext
) -> None:
    message = email()
    result = _smtp(smtp_server, client_tls).send(message)

    (received,) = smtp_handler.received
    assert received.tls and received.login == SMTP_USER
    assert (received.mail_from, received.rcpt_tos) == (EMAIL_FROM, ["patient@example.com"])
    parsed = message_from_bytes(received.content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Subject"] == "Your prescription"
    assert parsed["From"] == f"Main St Pharmacy <{EMAIL_FROM}>"
    assert parsed["Message-ID"] == f"<{message.uuid}@mainst-rx.example>"
    assert parsed["X-Rxmsg-Message-Id"] == message.uuid
    assert parsed["Date"] == "Mon, 02 Mar 2026 15:30:00 +0000"
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert (text.strip(), html.strip()) == ("Ready for pickup", "<p>Ready for <b>pickup</b></p>")
    assert result.provider_message_id == parsed["Message-ID"]
    assert result.status_code == 250


def test_text_only_email_is_a_single_part(
    smtp_server: LoopbackController, smtp_handler: RecordingHandler, client_tls: ssl.SSLContext
) -> None:
    _smtp(smtp_server, client_tls).send(email(html=None))
    parsed = message_from_bytes(smtp_handler.received[0].content, policy=policy.default)
    assert parsed.get_content_type() == "text/plain"


def test_wrong_password_is_permanent_and_never_shown(
    smtp_server: LoopbackController, smtp_handler: RecordingHandler, client_tls: ssl.SSLContext
) -> None:
    wrong = "wrong-pw-Kf7#Yb2@Qm9"
    provider = _smtp(smtp_server, client_tls, password=wrong)
    with pytest.raises(PermanentError, match="refused our login") as caught:
        provider.send(email())
    assert caught.value.status_code == 535
    assert_secret_free(wrong, caught.value, provider)
    assert_secret_free(SMTP_PASSWORD, provider)
    assert smtp_handler.received == []


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("550 5.1.1 Mailbox unavailable", PermanentError),
        ("452 4.2.2 Mailbox full, try later", TransientError),
    ],
)
def test_recipient_refusals_follow_the_reply_code(
    smtp_server: LoopbackController,
    smtp_handler: RecordingHandler,
    client_tls: ssl.SSLContext,
    reply: str,
    kind: type[Exception],
) -> None:
    smtp_handler.rcpt_replies["patient@example.com"] = reply
    with pytest.raises(kind) as caught:
        _smtp(smtp_server, client_tls).send(email())
    assert isinstance(caught.value, PermanentError | TransientError)
    assert caught.value.status_code == int(reply[:3])
    assert reply[4:] in caught.value.reason


def test_untrusted_certificate_is_refused(smtp_server: LoopbackController) -> None:
    """The system trust store does not know the test CA: exactly what a forged relay looks like."""
    with pytest.raises(PermanentError, match="certificate"):
        _smtp(smtp_server, ssl.create_default_context()).send(email())


def test_server_without_starttls_gets_nothing(
    plain_smtp_server: LoopbackController,
    smtp_handler: RecordingHandler,
    client_tls: ssl.SSLContext,
) -> None:
    with pytest.raises(PermanentError, match="STARTTLS") as caught:
        _smtp(plain_smtp_server, client_tls).send(email())
    assert_secret_free(SMTP_PASSWORD, caught.value)
    assert smtp_handler.received == []


def test_plaintext_only_when_explicitly_allowed(
    plain_smtp_server: LoopbackController, smtp_handler: RecordingHandler
) -> None:
    provider = _smtp(plain_smtp_server, None, require_starttls=False, username=None)
    provider.send(email())
    assert not smtp_handler.received[0].tls


def test_unreachable_server_is_transient(closed_port: int) -> None:
    provider = SmtpProvider(
        host="127.0.0.1",
        port=closed_port,
        from_address=EMAIL_FROM,
        timeout=2.0,
        local_hostname="rxmsg.test",
    )
    with pytest.raises(TransientError, match="Could not talk to the mail server"):
        provider.send(email())


def test_only_email_and_nothing_to_poll(closed_port: int) -> None:
    provider = SmtpProvider(host="127.0.0.1", port=closed_port, from_address=EMAIL_FROM)
    with pytest.raises(PermanentError, match="email only"):
        provider.send(sms())
    assert provider.status("<x@y>") is DeliveryStatus.UNKNOWN
    assert provider.poll_inbound(None) == []


def test_header_injection_is_refused(closed_port: int) -> None:
    provider = SmtpProvider(host="127.0.0.1", port=closed_port, from_address=EMAIL_FROM)
    sneaky = replace(email(), subject="Hi\r\nBcc: all@example.com")
    with pytest.raises(PermanentError, match="cannot be built"):
        provider.send(sneaky)
