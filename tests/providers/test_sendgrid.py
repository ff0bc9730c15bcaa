"""The SendGrid v3-compatible email client against a real HTTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from rxmsg_tui.providers.base import DeliveryStatus, PermanentError, TransientError
from rxmsg_tui.providers.http_client import HttpTimeouts
from rxmsg_tui.providers.sendgrid import SendGridProvider
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.support import (
    EMAIL_FROM,
    SENDGRID_KEY,
    SHORT_READ,
    SLOW,
    TIMEOUTS,
    assert_secret_free,
    email,
    sms,
)


def _sendgrid(base_url: str, timeouts: HttpTimeouts = TIMEOUTS) -> SendGridProvider:
    return SendGridProvider(
        api_key=SENDGRID_KEY,
        from_address=EMAIL_FROM,
        from_name="Main St Pharmacy",
        base_url=base_url,
        timeouts=timeouts,
    )


@pytest.fixture
def sendgrid(http_server: LoopbackHttpServer) -> Iterator[SendGridProvider]:
    provider = _sendgrid(http_server.base_url)
    yield provider
    provider.close()


ACCEPTED = Reply(202, b"", {"X-Message-Id": "sg-Zx81Qk"})


def test_send_posts_json_with_bearer_key_and_both_parts(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(ACCEPTED)
    message = email()
    result = sendgrid.send(message)

    assert (result.provider_message_id, result.status_code) == ("sg-Zx81Qk", 202)
    (request,) = http_server.requests
    assert (request.method, request.path) == ("POST", "/v3/mail/send")
    assert request.headers["authorization"] == f"Bearer {SENDGRID_KEY}"
    assert request.headers["idempotency-key"] == message.uuid
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "personalizations": [
            {
                "to": [{"email": "patient@example.com"}],
                "custom_args": {"rxmsg_message_id": message.uuid},
            }
        ],
        "from": {"email": EMAIL_FROM, "name": "Main St Pharmacy"},
        "subject": "Your prescription",
        "content": [
            {"type": "text/plain", "value": "Ready for pickup"},
            {"type": "text/html", "value": "<p>Ready for <b>pickup</b></p>"},
        ],
        "headers": {"X-Rxmsg-Message-Id": message.uuid},
    }
    assert_secret_free(SENDGRID_KEY, result, sendgrid)


def test_text_only_email_has_one_part(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(ACCEPTED)
    sendgrid.send(email(html=None))
    assert http_server.requests[0].json()["content"] == [
        {"type": "text/plain", "value": "Ready for pickup"}
    ]


def test_rejection_is_permanent_in_sendgrids_words(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(
            403,
            {
                "errors": [
                    {
                        "message": "The from address does not match a verified Sender Identity.",
                        "field": "from",
                        "help": None,
                    }
                ]
            },
        )
    )
    with pytest.raises(PermanentError) as caught:
        sendgrid.send(email())
    assert caught.value.reason.startswith(
        "The from address does not match a verified Sender Identity. (field from)"
    )
    assert caught.value.status_code == 403
    assert_secret_free(SENDGRID_KEY, caught.value)


def test_bad_key_echoed_back_is_still_hidden(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(401, {"errors": [{"message": f"bad key Bearer {SENDGRID_KEY}", "field": None}]})
    )
    with pytest.raises(PermanentError, match="credentials") as caught:
        sendgrid.send(email())
    assert_secret_free(SENDGRID_KEY, caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer, status: int
) -> None:
    http_server.script(Reply(status, {"errors": [{"message": "internal error"}]}))
    with pytest.raises(TransientError, match=str(status)):
        sendgrid.send(email())


def test_throttling_honours_retry_after(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(429, {"errors": [{"message": "too many requests"}]}, {"Retry-After": "12"})
    )
    with pytest.raises(TransientError) as caught:
        sendgrid.send(email())
    assert caught.value.retry_after == 12.0


def test_slow_answer_and_dropped_connection_are_transient(http_server: LoopbackHttpServer) -> None:
    provider = _sendgrid(http_server.base_url, SHORT_READ)
    http_server.script(Reply(202, delay=SLOW), Reply(drop=True), ACCEPTED)
    try:
        with pytest.raises(TransientError, match="in time"):
            provider.send(email())
        with pytest.raises(TransientError, match="closed the connection") as caught:
            provider.send(email())
        assert provider.send(email()).provider_message_id == "sg-Zx81Qk"
    finally:
        provider.close()
    assert_secret_free(SENDGRID_KEY, caught.value)
    assert {r.headers["idempotency-key"] for r in http_server.requests} == {email().uuid}


def test_refused_connection_is_transient(closed_port: int) -> None:
    provider = _sendgrid(f"http://127.0.0.1:{closed_port}")
    try:
        with pytest.raises(TransientError, match="Could not connect"):
            provider.send(email())
    finally:
        provider.close()


def test_only_email_with_subject_and_body_goes_out(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    with pytest.raises(PermanentError, match="email only"):
        sendgrid.send(sms())
    with pytest.raises(PermanentError, match="subject"):
        sendgrid.send(replace(email(), subject=" "))
    assert http_server.requests == []


def test_status_and_inbound_need_no_request(
    sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    assert sendgrid.status("sg-Zx81Qk") is DeliveryStatus.UNKNOWN
    assert sendgrid.poll_inbound(datetime(2026, 3, 2, tzinfo=UTC)) == []
    assert http_server.requests == []
