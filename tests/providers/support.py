"""Credentials, messages and secret checks shared by the provider tests."""

from __future__ import annotations

from typing import Any

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import OutgoingMessage, ProviderError
from rxmsg_tui.providers.http_client import HttpTimeouts

TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-token-9f8e7d6c5b4a39281706"
TWILIO_FROM = "+15557654321"
SENDGRID_KEY = "SG.test-key-Hq2Wm7Xp.Vb4Nc8Rt1Ks5Jd9Lf3"
ROUTING_KEY = "routing-key-Pz6Ty1Ue3Io8Aq5Sw2"
EMAIL_FROM = "pharmacy@mainst-rx.example"

TIMEOUTS = HttpTimeouts(connect=2.0, read=5.0, write=2.0, pool=2.0)
SHORT_READ = HttpTimeouts(connect=2.0, read=0.3, write=2.0, pool=2.0)
"""A slow answer is one that takes longer than this 0.3 s read timeout."""

SLOW = 2.0


def sms(
    uuid: str = "5d0c8e0a-6a3e-4a0a-9a53-0d6f3b1c2e4f", to: str = "+15551234567"
) -> OutgoingMessage:
    return OutgoingMessage(uuid, Method.SMS, to, "", "Your prescription is ready for pickup.")


def email(
    uuid: str = "7c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    html: str | None = "<p>Ready for <b>pickup</b></p>",
) -> OutgoingMessage:
    return OutgoingMessage(
        uuid, Method.EMAIL, "patient@example.com", "Your prescription", "Ready for pickup", html
    )


def call(uuid: str = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9") -> OutgoingMessage:
    return OutgoingMessage(uuid, Method.CALL, "+15551234567", "", "Your prescription is ready.")


def assert_secret_free(secret: str, *things: Any) -> None:
    """The secret appears in no text a person or a log could read: str, repr, reason, response."""
    for thing in things:
        texts = [str(thing), repr(thing)]
        if isinstance(thing, ProviderError):
            texts += [thing.reason, thing.response, str(thing.__cause__), repr(thing.__cause__)]
        for text in texts:
            assert secret not in text, f"secret leaked in {text!r}"


def twilio_message(
    sid: str,
    *,
    status: str = "queued",
    direction: str = "outbound-api",
    to: str = "+15551234567",
    from_: str = TWILIO_FROM,
    body: str = "Your prescription is ready for pickup.",
    date_sent: str | None = "Mon, 02 Mar 2026 15:30:05 +0000",
) -> dict[str, Any]:
    """A Message resource shaped as the Twilio spec's examples are."""
    uri = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}"
    return {
        "account_sid": TWILIO_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Mon, 02 Mar 2026 15:30:04 +0000",
        "date_sent": date_sent,
        "date_updated": "Mon, 02 Mar 2026 15:30:05 +0000",
        "direction": direction,
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": to,
        "uri": f"{uri}.json",
    }


def twilio_page(
    messages: list[dict[str, Any]], next_page_uri: str | None, page: int = 0
) -> dict[str, Any]:
    first = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json?To=%2B15557654321&PageSize=100&Page=0"
    return {
        "end": page * 100 + len(messages) - 1,
        "first_page_uri": first,
        "next_page_uri": next_page_uri,
        "page": page,
        "page_size": 100,
        "previous_page_uri": None,
        "messages": messages,
        "start": page * 100,
        "uri": first,
    }


def sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"
