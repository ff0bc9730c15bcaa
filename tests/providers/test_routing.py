"""The Message Routing API client (docs/message-routing-api.md) against a real HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from rxmsg_tui.providers.base import DeliveryStatus, PermanentError, ProviderError, TransientError
from rxmsg_tui.providers.http_client import HttpTimeouts
from rxmsg_tui.providers.routing import RoutingProvider
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.support import (
    ROUTING_KEY,
    SHORT_READ,
    SLOW,
    TIMEOUTS,
    assert_secret_free,
    call,
    email,
    sms,
)


def _routing(base_url: str, timeouts: HttpTimeouts = TIMEOUTS) -> RoutingProvider:
    return RoutingProvider(base_url=f"{base_url}/rxmsg/", api_key=ROUTING_KEY, timeouts=timeouts)


@pytest.fixture
def routing(http_server: LoopbackHttpServer) -> Iterator[RoutingProvider]:
    provider = _routing(http_server.base_url)
    yield provider
    provider.close()


def test_send_sms_as_documented(routing: RoutingProvider, http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(202, {"id": "rt_01HV9Y6Q3M", "status": "accepted"}))
    message = sms()
    result = routing.send(message)

    assert (result.provider_message_id, result.status_code) == ("rt_01HV9Y6Q3M", 202)
    (request,) = http_server.requests
    assert (request.method, request.path) == ("POST", "/rxmsg/v1/messages")
    assert request.headers["authorization"] == f"Bearer {ROUTING_KEY}"
    assert request.headers["idempotency-key"] == message.uuid
    assert request.json() == {
        "id": message.uuid,
        "channel": "sms",
        "to": "+15551234567",
        "subject": "",
        "text": "Your prescription is ready for pickup.",
        "html": None,
    }
    assert_secret_free(ROUTING_KEY, result, routing)


def test_send_email_carries_both_parts(
    routing: RoutingProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(Reply(200, {"id": email().uuid, "status": "accepted"}))  # a replayed key
    assert routing.send(email()).provider_message_id == email().uuid
    sent = http_server.requests[0].json()
    assert (sent["channel"], sent["subject"], sent["html"]) == (
        "email",
        "Your prescription",
        "<p>Ready for <b>pickup</b></p>",
    )


def test_calls_are_refused_without_a_request(
    routing: RoutingProvider, http_server: LoopbackHttpServer
) -> None:
    with pytest.raises(PermanentError, match="IVR"):
        routing.send(call())
    assert http_server.requests == []


def test_errors_in_the_routers_words(
    routing: RoutingProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(
            422,
            {
                "error": {
                    "code": "invalid_recipient",
                    "message": "The number +1555 is not a mobile number",
                }
            },
        ),
        Reply(
            503,
            {"error": {"code": "busy", "message": "carrier unavailable"}},
            {"Retry-After": "20"},
        ),
        Reply(drop=True),
    )
    with pytest.raises(PermanentError) as permanent:
        routing.send(sms())
    assert permanent.value.reason.startswith("The number +1555 is not a mobile number")
    with pytest.raises(TransientError) as transient:
        routing.send(sms())
    assert transient.value.retry_after == 20.0
    with pytest.raises(TransientError, match="closed the connection"):
        routing.send(sms())
    assert_secret_free(ROUTING_KEY, permanent.value, transient.value)


def test_slow_router_times_out(http_server: LoopbackHttpServer) -> None:
    provider = _routing(http_server.base_url, SHORT_READ)
    http_server.script(Reply(202, {"id": "x", "status": "accepted"}, delay=SLOW))
    try:
        with pytest.raises(TransientError, match="did not answer in time"):
            provider.send(sms())
    finally:
        provider.close()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", DeliveryStatus.QUEUED),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.FAILED),
        ("teleported", DeliveryStatus.UNKNOWN),
    ],
)
def test_status(
    routing: RoutingProvider, http_server: LoopbackHttpServer, status: str, expected: DeliveryStatus
) -> None:
    http_server.script(Reply(200, {"id": "rt/1", "status": status, "error": None}))
    assert routing.status("rt/1") is expected
    assert http_server.requests[0].target == "/rxmsg/v1/messages/rt%2F1"


def test_inbound_follows_cursors(routing: RoutingProvider, http_server: LoopbackHttpServer) -> None:
    http_server.script(
        Reply(
            200,
            {
                "messages": [
                    {
                        "id": "in_2",
                        "from": "+15551234567",
                        "to": "+15557654321",
                        "text": "STOP",
                        "received_at": "2026-03-02T16:00:00Z",
                    },
                ],
                "next_cursor": "c2",
            },
        ),
        Reply(
            200,
            {
                "messages": [
                    {
                        "id": "in_1",
                        "from": "+15559998888",
                        "to": "+15557654321",
                        "text": "Thanks",
                        "received_at": "2026-03-02T15:40:00+00:00",
                    },
                    {"id": "bad", "from": "+1", "to": "+1", "text": "no date"},
                ],
                "next_cursor": None,
            },
        ),
    )
    found = routing.poll_inbound(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    assert [(m.provider_message_id, m.body) for m in found] == [
        ("in_1", "Thanks"),
        ("in_2", "STOP"),
    ]
    assert found[1].received_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    first, second = http_server.requests
    assert first.path == "/rxmsg/v1/inbound"
    assert first.query == {"since": "2026-03-02T15:30:00Z"}
    assert second.query == {"since": "2026-03-02T15:30:00Z", "cursor": "c2"}


def test_find_sent_asks_by_rxmsg_id(
    routing: RoutingProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(
        Reply(200, {"id": "rt_7", "status": "sent", "accepted_at": "2026-03-02T15:31:00Z"})
    )
    message = sms()
    (found,) = routing.find_sent(message, datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    assert found.provider_message_id == "rt_7"
    assert found.sent_at == datetime(2026, 3, 2, 15, 31, tzinfo=UTC)
    (request,) = http_server.requests
    assert (request.method, request.path) == ("GET", f"/rxmsg/v1/messages/by-key/{message.uuid}")


def test_find_sent_believes_only_a_documented_not_found(
    routing: RoutingProvider, http_server: LoopbackHttpServer
) -> None:
    since = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    http_server.script(Reply(404, {"error": {"code": "not_found", "message": "No such key"}}))
    assert routing.find_sent(sms(), since) == []
    # A router without the lookup answers 404 too, but that says nothing about the message.
    http_server.script(Reply(404, {"error": {"code": "no_route", "message": "Unknown path"}}))
    with pytest.raises(ProviderError):
        routing.find_sent(sms(), since)
