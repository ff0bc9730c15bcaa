"""The RFC 5322 email rxmsg sends by SMTP and files in the outbox, built one way for both."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from rxmsg_tui.providers.base import OutgoingMessage, PermanentError

MESSAGE_ID_HEADER = "X-Rxmsg-Message-Id"
"""Carries the queue's UUID, the mail equivalent of the HTTP `Idempotency-Key`."""

FALLBACK_DOMAIN = "rxmsg.invalid"


def message_id_for(uuid: str, from_address: str) -> str:
    """A stable Message-ID from the UUID: a resent message can be recognised as the same one."""
    domain = from_address.rpartition("@")[2].strip() or FALLBACK_DOMAIN
    return f"<{uuid}@{domain}>"


def build_email(
    message: OutgoingMessage,
    *,
    from_address: str,
    from_name: str | None,
    sent_at: datetime,
) -> EmailMessage:
    """Plain text, plus an HTML alternative when the message has one (multipart/alternative).

    Header values with line breaks are refused rather than folded in, so a
    subject can never smuggle extra headers.
    """
    email = EmailMessage()
    try:
        email["From"] = _address(from_address, from_name)
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(sent_at)
        email["Message-ID"] = message_id_for(message.uuid, from_address)
        email[MESSAGE_ID_HEADER] = message.uuid
    except (ValueError, IndexError) as exc:
        raise PermanentError(f"The email cannot be built: {exc}") from exc
    email.set_content(message.body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def _address(address: str, name: str | None) -> Address | str:
    if not name:
        return address
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)
