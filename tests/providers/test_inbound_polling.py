"""Inbound polling end to end against real loopback servers: paging, duplicates, restarts.

The Twilio list endpoint serves three pages with a sid repeated across pages
and across polls, then drops the connection in the middle of a poll; each
poll is a fresh provider and a fresh `Database` on the same database, as after
a restart, so only the stored high-water mark carries what was read. Every
request is checked against Twilio's own OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from openapi_core import OpenAPI
from sqlalchemy import select

from rxmsg_tui.providers.base import TransientError
from rxmsg_tui.providers.routing import RoutingProvider
from rxmsg_tui.providers.twilio import TwilioProvider
from rxmsg_tui.services.inbound import InboundReport, poll_inbound
from rxmsg_tui.services.inbound.polling import OVERLAP
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import ConversationMessage, InboundCursor, Store
from tests.conftest import NOW
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.support import (
    ROUTING_KEY,
    TIMEOUTS,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
    sid,
    twilio_message,
    twilio_page,
)
from tests.providers.test_contract import (  # noqa: F401  (twilio_spec is a fixture)
    TWILIO_SERVER,
    CapturedRequest,
    twilio_spec,
)

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


def _reply(n: int, minute: int, body: str = "Thanks") -> dict[str, object]:
    return twilio_message(
        sid("SM", n),
        direction="inbound",
        status="received",
        from_=f"+1312555{n:04d}",
        to=TWILIO_FROM,
        body=body,
        date_sent=f"Mon, 02 Mar 2026 15:{minute:02d}:00 +0000",
    )


def _next(page: int) -> str:
    return f"{MESSAGES}?To=%2B15557654321&PageSize=100&Page={page}&PageToken=PA{page}"


@pytest.fixture
def fresh_db(database_url: str, db: Database) -> Iterator[list[Database]]:
    """Opens another `Database` on the same database for each poll, as a restarted process."""
    opened: list[Database] = []
    yield opened
    for other in opened:
        other.dispose()


def _poll(
    url: str, opened: list[Database], store: Store, server: LoopbackHttpServer, at: datetime
) -> InboundReport:
    database = Database(make_engine(url))
    opened.append(database)
    twilio = TwilioProvider(
        account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, from_number=TWILIO_FROM,
        base_url=server.base_url, timeouts=TIMEOUTS,
    )  # fmt: skip
    assert store.id is not None
    try:
        return poll_inbound(database, store.id, twilio, now=at)
    finally:
        twilio.close()


def _stored(db: Database) -> list[str]:
    with db.read() as session:
        query = select(ConversationMessage.provider_message_id).where(
            ConversationMessage.direction == "in"
        )
        return sorted(str(found) for found in session.scalars(query))


def _high_water(db: Database) -> datetime | None:
    with db.read() as session:
        return session.scalars(select(InboundCursor.high_water)).one()


def test_pages_duplicates_and_a_restart_mid_poll_lose_nothing_and_store_nothing_twice(
    db: Database,
    database_url: str,
    store: Store,
    fresh_db: list[Database],
    http_server: LoopbackHttpServer,
    twilio_spec: OpenAPI,  # noqa: F811
) -> None:
    http_server.script(
        Reply(200, twilio_page([_reply(1, 20), _reply(2, 21)], _next(1))),
        Reply(200, twilio_page([_reply(2, 21), _reply(3, 22)], _next(2), page=1)),
        Reply(200, twilio_page([_reply(4, 23, "STOP")], None, page=2)),
    )
    first = _poll(database_url, fresh_db, store, http_server, NOW)
    assert (first.read, first.stored, first.duplicates, first.stops) == (5, 4, 1, 1)
    assert _high_water(db) == datetime(2026, 3, 2, 15, 23, tzinfo=UTC)

    # After a restart: asks from the high-water mark (less the overlap); sid 4 again is a duplicate.
    http_server.script(Reply(200, twilio_page([_reply(4, 23, "STOP"), _reply(5, 24)], None)))
    second = _poll(database_url, fresh_db, store, http_server, NOW + timedelta(seconds=15))
    assert (second.read, second.stored, second.duplicates, second.answers_queued) == (2, 1, 1, 0)
    since = datetime(2026, 3, 2, 15, 23, tzinfo=UTC) - OVERLAP
    assert http_server.requests[3].query["DateSent>"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")

    # The server drops the connection on page 2: nothing is stored, the mark stays.
    http_server.script(
        Reply(200, twilio_page([_reply(6, 25)], _next(1))),
        Reply(drop=True),
    )
    with pytest.raises(TransientError):
        _poll(database_url, fresh_db, store, http_server, NOW + timedelta(seconds=30))
    assert sid("SM", 6) not in _stored(db)
    assert _high_water(db) == datetime(2026, 3, 2, 15, 24, tzinfo=UTC)

    # The next poll reads the same pages again: sid 6 once, sid 7 too.
    http_server.script(
        Reply(200, twilio_page([_reply(6, 25)], _next(1))),
        Reply(200, twilio_page([_reply(7, 26)], None, page=1)),
    )
    fourth = _poll(database_url, fresh_db, store, http_server, NOW + timedelta(seconds=45))
    assert (fourth.stored, fourth.duplicates) == (2, 0)
    assert _stored(db) == [sid("SM", n) for n in range(1, 8)]
    assert _high_water(db) == datetime(2026, 3, 2, 15, 26, tzinfo=UTC)

    for recorded in http_server.requests:
        twilio_spec.validate_request(CapturedRequest(recorded, TWILIO_SERVER))
    assert all(r.path == MESSAGES for r in http_server.requests)


def test_the_first_poll_reads_one_day_back_not_the_numbers_whole_history(
    db: Database,
    database_url: str,
    store: Store,
    fresh_db: list[Database],
    http_server: LoopbackHttpServer,
) -> None:
    http_server.script(Reply(200, twilio_page([], None)))
    _poll(database_url, fresh_db, store, http_server, NOW)
    (request,) = http_server.requests
    assert request.query["DateSent>"] == "2026-03-01T15:30:00Z"
    assert request.query["To"] == TWILIO_FROM


def test_the_routing_apis_inbound_endpoint_is_followed_by_cursor_and_deduped(
    db: Database, store: Store, http_server: LoopbackHttpServer
) -> None:
    def routed(n: int, minute: int, text: str) -> dict[str, str]:
        return {"id": f"in_{n}", "from": "+13125550100", "to": "+15557654321", "text": text,
                "received_at": f"2026-03-02T15:{minute:02d}:00Z"}  # fmt: skip

    http_server.script(
        Reply(200, {"messages": [routed(1, 20, "HELP")], "next_cursor": "c2"}),
        Reply(200, {"messages": [routed(1, 20, "HELP"), routed(2, 21, "hi")], "next_cursor": None}),
        Reply(200, {"messages": [routed(2, 21, "hi")], "next_cursor": None}),
    )
    routing = RoutingProvider(
        base_url=f"{http_server.base_url}/rxmsg/", api_key=ROUTING_KEY, timeouts=TIMEOUTS
    )
    assert store.id is not None
    try:
        first = poll_inbound(db, store.id, routing, now=NOW)
        second = poll_inbound(db, store.id, routing, now=NOW + timedelta(seconds=15))
    finally:
        routing.close()

    assert (first.read, first.stored, first.duplicates, first.helps) == (3, 2, 1, 1)
    assert first.unknown_senders == 2 and first.answers_queued == 1
    assert (second.read, second.stored, second.duplicates) == (1, 0, 1)
    paths = [(r.path, r.query) for r in http_server.requests]
    assert paths[0] == ("/rxmsg/v1/inbound", {"since": "2026-03-01T15:30:00Z"})
    assert paths[1] == ("/rxmsg/v1/inbound", {"since": "2026-03-01T15:30:00Z", "cursor": "c2"})
    assert paths[2] == ("/rxmsg/v1/inbound", {"since": "2026-03-02T15:19:00Z"})
    assert all(r.headers["authorization"] == f"Bearer {ROUTING_KEY}" for r in http_server.requests)
