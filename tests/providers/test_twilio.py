"""The Twilio-compatible SMS client against a real HTTP server on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from rxmsg_tui.providers.base import DeliveryStatus, PermanentError, TransientError
from rxmsg_tui.providers.http_client import HttpTimeouts
from rxmsg_tui.providers.twilio import TwilioProvider
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.support import (
    SHORT_READ,
    SLOW,
    TIMEOUTS,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
    assert_secret_free,
    call,
    email,
    sid,
    sms,
    twilio_message,
    twilio_page,
)

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages"


def _twilio(base_url: str, timeouts: HttpTimeouts = TIMEOUTS) -> TwilioProvider:
    return TwilioProvider(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        from_number=TWILIO_FROM,
        base_url=base_url,
        timeouts=timeouts,
    )


@pytest.fixture
def twilio(http_server: LoopbackHttpServer) -> Iterator[TwilioProvider]:
    provider = _twilio(http_server.base_url)
    yield provider
    provider.close()


def test_send_posts_form_fields_with_basic_auth_and_idempotency_key(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(Reply(201, twilio_message(sid("SM", 1))))
    result = twilio.send(sms())

    assert result.provider_message_id == sid("SM", 1)
    assert result.status_code == 201
    assert "queued" in result.response
    (request,) = http_server.requests
    assert (request.method, request.path) == ("POST", f"{MESSAGES}.json")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form() == {
        "To": "+15551234567",
        "From": TWILIO_FROM,
        "Body": "Your prescription is ready for pickup.",
    }
    expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers["idempotency-key"] == sms().uuid


def test_invalid_number_fails_for_good_in_twilios_words(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(
            400,
            {
                "code": 21211,
                "message": "The 'To' number +1555 is not a valid phone number.",
                "more_info": "https://www.twilio.com/docs/errors/21211",
                "status": 400,
            },
        )
    )
    with pytest.raises(PermanentError) as caught:
        twilio.send(sms(to="+1555"))
    assert caught.value.reason.startswith("The 'To' number +1555 is not a valid phone number.")
    assert "21211" in caught.value.reason
    assert caught.value.status_code == 400
    assert_secret_free(TWILIO_TOKEN, caught.value, twilio)


def test_wrong_credentials_are_permanent_and_secret_free(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    # A misbehaving proxy that echoes the Authorization header must not leak it either.
    echoed = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    http_server.script(
        Reply(401, {"code": 20003, "message": f"Authenticate {TWILIO_TOKEN} {echoed}"})
    )
    with pytest.raises(PermanentError, match="credentials") as caught:
        twilio.send(sms())
    assert_secret_free(TWILIO_TOKEN, caught.value)


def test_server_error_is_transient(twilio: TwilioProvider, http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(500, {"code": 20500, "message": "Internal Server Error"}))
    with pytest.raises(TransientError) as caught:
        twilio.send(sms())
    assert caught.value.status_code == 500
    assert caught.value.retry_after is None
    assert_secret_free(TWILIO_TOKEN, caught.value)


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [("30", 30, 30), ("3600", 3600, 3600)],
)
def test_throttled_send_honours_retry_after(
    twilio: TwilioProvider, http_server: LoopbackHttpServer, retry_after: str, low: int, high: int
) -> None:
    http_server.script(
        Reply(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": retry_after})
    )
    with pytest.raises(TransientError) as caught:
        twilio.send(sms())
    assert caught.value.retry_after is not None
    assert low <= caught.value.retry_after <= high
    assert "429" in caught.value.reason


@pytest.mark.parametrize(
    "retry_after", ["1000000000000", "-5", "soon", "nan", "Mon, 02 Mar 2099 15:30:00 GMT"]
)
def test_absurd_retry_after_is_ignored(
    twilio: TwilioProvider, http_server: LoopbackHttpServer, retry_after: str
) -> None:
    http_server.script(
        Reply(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": retry_after})
    )
    with pytest.raises(TransientError) as caught:
        twilio.send(sms())
    assert caught.value.retry_after is None  # the dispatcher's own backoff applies


def test_slow_answer_times_out_as_transient(http_server: LoopbackHttpServer) -> None:
    provider = _twilio(http_server.base_url, SHORT_READ)
    http_server.script(Reply(201, twilio_message(sid("SM", 2)), delay=SLOW))
    try:
        with pytest.raises(TransientError, match="did not answer in time") as caught:
            provider.send(sms())
    finally:
        provider.close()
    assert_secret_free(TWILIO_TOKEN, caught.value)


def test_dropped_connection_is_transient_and_the_retry_carries_the_same_key(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(Reply(drop=True), Reply(201, twilio_message(sid("SM", 3))))
    with pytest.raises(TransientError, match="closed the connection"):
        twilio.send(sms())
    assert twilio.send(sms()).provider_message_id == sid("SM", 3)
    keys = [r.headers["idempotency-key"] for r in http_server.requests]
    assert keys == [sms().uuid, sms().uuid]


def test_refused_connection_is_transient(closed_port: int) -> None:
    provider = _twilio(f"http://127.0.0.1:{closed_port}")
    try:
        with pytest.raises(TransientError, match="Could not connect to Twilio") as caught:
            provider.send(sms())
    finally:
        provider.close()
    assert_secret_free(TWILIO_TOKEN, caught.value, provider)


def test_calls_and_email_are_refused_without_a_request(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    with pytest.raises(PermanentError, match="IVR"):
        twilio.send(call())
    with pytest.raises(PermanentError):
        twilio.send(email())
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("twilio_status", "expected"),
    [
        ("accepted", DeliveryStatus.QUEUED),
        ("queued", DeliveryStatus.QUEUED),
        ("sending", DeliveryStatus.QUEUED),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.FAILED),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
        ("receiving", DeliveryStatus.UNKNOWN),
    ],
)
def test_status_lookup_maps_twilio_statuses(
    twilio: TwilioProvider,
    http_server: LoopbackHttpServer,
    twilio_status: str,
    expected: DeliveryStatus,
) -> None:
    http_server.script(Reply(200, twilio_message(sid("SM", 4), status=twilio_status)))
    assert twilio.status(sid("SM", 4)) is expected
    (request,) = http_server.requests
    assert (request.method, request.path) == ("GET", f"{MESSAGES}/{sid('SM', 4)}.json")
    assert request.headers["authorization"].startswith("Basic ")


def test_status_of_an_unknown_message_is_permanent(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(404, {"code": 20404, "message": "The requested resource was not found"})
    )
    with pytest.raises(PermanentError, match="not found"):
        twilio.status(sid("SM", 5))


def test_inbound_follows_pages_and_keeps_only_replies(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    next_uri = f"{MESSAGES}.json?To=%2B15557654321&PageSize=100&Page=1&PageToken=PA42"
    reply_1 = twilio_message(
        sid("SM", 11),
        direction="inbound",
        from_="+15551234567",
        to=TWILIO_FROM,
        body="STOP",
        date_sent="Mon, 02 Mar 2026 16:00:00 +0000",
    )
    ours = twilio_message(sid("SM", 12))
    reply_2 = twilio_message(
        sid("SM", 13),
        direction="inbound",
        from_="+15559998888",
        to=TWILIO_FROM,
        body="Thanks!",
        date_sent="Mon, 02 Mar 2026 15:45:00 +0000",
    )
    too_old = twilio_message(
        sid("SM", 14), direction="inbound", date_sent="Sun, 01 Mar 2026 09:00:00 +0000"
    )
    http_server.script(
        Reply(200, twilio_page([reply_1, ours], next_uri)),
        Reply(200, twilio_page([reply_2, too_old], None, page=1)),
    )
    since = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)

    found = twilio.poll_inbound(since)

    assert [(m.provider_message_id, m.from_number, m.body) for m in found] == [
        (sid("SM", 13), "+15559998888", "Thanks!"),
        (sid("SM", 11), "+15551234567", "STOP"),
    ]
    assert found[0].received_at == datetime(2026, 3, 2, 15, 45, tzinfo=UTC)
    first, second = http_server.requests
    assert first.path == f"{MESSAGES}.json"
    assert first.query == {
        "To": TWILIO_FROM,
        "PageSize": "100",
        "DateSent>": "2026-03-02T15:30:00Z",
    }
    assert second.target == next_uri


def test_next_page_never_takes_the_credentials_elsewhere(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    elsewhere = f"http://198.51.100.7{MESSAGES}.json?Page=1&PageToken=PA43"
    http_server.script(Reply(200, twilio_page([], elsewhere)), Reply(200, twilio_page([], None, 1)))
    twilio.poll_inbound(None)
    assert http_server.requests[1].target == f"{MESSAGES}.json?Page=1&PageToken=PA43"


def test_inbound_error_is_mapped(twilio: TwilioProvider, http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(503, b"", {"Retry-After": "5"}))
    with pytest.raises(TransientError) as caught:
        twilio.poll_inbound(None)
    assert caught.value.retry_after == 5.0
    assert "DateSent>" not in http_server.requests[0].query


def test_repr_shows_no_credentials(twilio: TwilioProvider) -> None:
    assert_secret_free(TWILIO_TOKEN, twilio)
    assert TWILIO_SID not in repr(twilio)


def test_find_sent_lists_by_recipient_and_day_and_matches_the_body(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    ours = twilio_message(sid("SM", 7))
    http_server.script(
        Reply(
            200,
            twilio_page(
                [
                    twilio_message(sid("SM", 5), body="Another text"),
                    twilio_message(sid("SM", 6), direction="inbound"),
                    ours,
                ],
                f"{MESSAGES}.json?To=%2B15551234567&Page=1&PageToken=PA1",
            ),
        ),
        Reply(200, twilio_page([], None, page=1)),
    )
    since = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    (found,) = twilio.find_sent(sms(), since)
    assert found.provider_message_id == sid("SM", 7)
    first, second = http_server.requests
    assert first.query == {
        "To": "+15551234567", "From": TWILIO_FROM, "DateSent>": "2026-03-01", "PageSize": "100",
    }  # fmt: skip
    assert second.query["PageToken"] == "PA1"


def test_find_sent_ignores_the_same_text_sent_earlier(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(Reply(200, twilio_page([twilio_message(sid("SM", 7))], None)))
    assert twilio.find_sent(sms(), datetime(2026, 3, 2, 16, 0, tzinfo=UTC)) == []


def test_find_sent_cannot_tell_from_a_broken_list(
    twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(Reply(200, {"detail": "odd"}))
    with pytest.raises(TransientError):
        twilio.find_sent(sms(), datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
