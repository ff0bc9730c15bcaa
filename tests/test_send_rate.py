"""`sending.max_per_second`: the dispatcher paces each sender number, over real HTTP.

The provider is the Twilio client against a loopback server that notes when
each text arrives; 429s with Retry-After slow the number down further.
"""

from __future__ import annotations

import functools
import itertools
import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.settings_keys import SettingError
from rxmsg_tui.providers.twilio import TwilioProvider
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.services.dispatch.send_rate import SendRates
from rxmsg_tui.services.store_settings import change_settings, read_settings
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage, OutboundSetup, Store
from tests.providers.loopback_http import LoopbackHttpServer, Recorded, Reply
from tests.stubs.twilio_stub import ACCOUNT_SID
from tests.test_dispatcher import NOON, add_messages

SENDER = "+12025550100"
ACCEPTED = Reply(201, {"sid": "SM0123", "status": "queued"})


class TimedServer(LoopbackHttpServer):
    """Notes the moment each request arrives."""

    def __init__(self, default: Reply) -> None:
        super().__init__(default)
        self.arrivals: list[float] = []

    def take(self, recorded: Recorded) -> Reply:
        self.arrivals.append(time.monotonic())
        return super().take(recorded)


@pytest.fixture
def carrier() -> Iterator[TimedServer]:
    server = TimedServer(ACCEPTED)
    server.start()
    yield server
    server.stop()


def limit(db: Database, per_second: float) -> None:
    with db.transaction() as session:
        session.connection().execute(update(OutboundSetup).values(max_per_second=per_second))


def twilio(server: LoopbackHttpServer) -> TwilioProvider:
    return TwilioProvider(
        account_sid=ACCOUNT_SID, auth_token="secret-token", from_number=SENDER,
        base_url=server.base_url,
    )  # fmt: skip


def messages(db: Database) -> list[OutboundMessage]:
    with db.read() as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_the_setting_is_a_number_of_texts_a_second(db: Database, admin: Actor) -> None:
    assert read_settings(db, admin.store_id)["sending.max_per_second"] == 0  # no limit of ours
    change = functools.partial(change_settings, db, admin, unlock_code=None, public_key=None)
    assert change({"sending.max_per_second": 0.5}, now=NOON) == ["sending.max_per_second"]
    with db.read() as session:
        assert session.exec(select(OutboundSetup.max_per_second)).one() == 0.5
    for wrong, words in ((-1, "between 0 (no limit) and 1000"), ("fast", "texts a second")):
        with pytest.raises(SettingError, match=re.escape(words)):
            change({"sending.max_per_second": wrong}, now=NOON)


def test_texts_from_one_number_keep_to_its_rate(
    db: Database, store: Store, carrier: TimedServer
) -> None:
    limit(db, 5.0)
    add_messages(db, store, *(f"pickup {n}" for n in range(15)))
    provider = twilio(carrier)
    stats = Dispatcher(db, lambda _s, _m: provider, Clock(NOON), workers=8).run_until_idle()
    provider.close()
    assert stats.sent == 15
    arrivals = sorted(carrier.arrivals)
    # A second's worth at once, then one every 0.2 s: at most 5·T + 5 in any span T, the
    # span widened by how late a request that left on time may arrive: the first ones each
    # open a client and a connection, which on two loaded cores took up to 0.3 s. Unpaced,
    # all fifteen arrive within a tenth of a second, far beyond this.
    late = 0.5
    for i, start in enumerate(arrivals):
        for j in range(i, len(arrivals)):
            assert j - i + 1 <= 5 * (arrivals[j] - start + late) + 5
    assert arrivals[-1] - arrivals[0] >= (15 - 6) / 5 - 0.1
    assert {(m.status, m.attempts) for m in messages(db)} == {("Sent", 1)}


def test_texts_beyond_the_next_seconds_wait_pending_without_spending_an_attempt(
    db: Database, store: Store, carrier: TimedServer
) -> None:
    limit(db, 1.0)
    add_messages(db, store, *(f"refill {n}" for n in range(8)))
    provider = twilio(carrier)
    dispatcher = Dispatcher(
        db, lambda _s, _m: provider, Clock(NOON), workers=4, rates=SendRates(horizon=2.0)
    )
    stats = dispatcher.run_once()
    provider.close()
    assert (stats.sent, stats.deferred) == (3, 5)  # slots at 0, 1 and 2 s
    waiting = [m for m in messages(db) if m.status == "Pending"]
    assert len(waiting) == 5 and {m.attempts for m in waiting} == {0}
    times = sorted(m.next_attempt_at for m in waiting if m.next_attempt_at is not None)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert len(times) == 5 and all(gap == pytest.approx(1.0, abs=0.05) for gap in gaps)
    with db.read() as session:
        assert len(session.exec(select(MessageAttempt)).all()) == 3


def test_a_burst_of_429s_halves_the_rate_and_waits_out_retry_after(
    db: Database, store: Store, carrier: TimedServer
) -> None:
    limit(db, 4.0)
    too_many = Reply(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "1"})
    carrier.script(too_many, too_many)
    add_messages(db, store, *(f"ready {n}" for n in range(5)))
    provider = twilio(carrier)
    rates = SendRates()
    stats = Dispatcher(
        db, lambda _s, _m: provider, Clock(NOON), workers=1, rates=rates
    ).run_until_idle()
    provider.close()
    assert (stats.sent, stats.retrying) == (3, 2)
    gaps = [b - a for a, b in itertools.pairwise(carrier.arrivals)]
    # At 4 a second the five would leave at once; after two 429s each waits out
    # Retry-After (1 s), then the number goes at a quarter of its rate: one a second.
    assert len(gaps) == 4 and min(gaps) >= 0.9
    assert rates.current_rate(f"twilio:{SENDER}", Clock(NOON).now()) == 1.0
    throttled = [m for m in messages(db) if m.status == "Pending"]
    assert [m.body for m in throttled] == ["ready 0", "ready 1"]
    assert {m.attempts for m in throttled} == {1}
