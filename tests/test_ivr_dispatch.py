"""Calls through the dispatcher to the IVR simulator over TCP, on SQLite and PostgreSQL.

The statuses become the message's status and attempts; no-answer and busy are
tried again later, at most three calls; while the IVR is down calls wait
`Pending` and the transports say so; calls wait for the call window and the
08:00 floor at the recipient; a kill and restart of the IVR loses no call and
places none twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.devices.ivr_sim import IvrSimulator
from rxmsg_tui.services.dispatch.delivery_status import (
    INTERVAL,
    UNANSWERED_RETRY,
    check_delivery,
)
from rxmsg_tui.services.dispatch.dispatcher import TRANSPORT_DOWN_RETRY, Dispatcher
from rxmsg_tui.services.dispatch.transports import StoreTransports
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, MessageAttempt, OutboundMessage, Store
from rxmsg_tui.storage.models import OutboundSetup as SetupRow

# Monday 2 March 2026, 12:00 in New York: inside the default call window (10:00-18:00).
NOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
DC = "+12025550143"
SEATTLE = "+12065550143"


class ManualClock(Clock):
    """Stands still until the test moves it: retries and windows without waiting for them."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.at = start

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by

    def set(self, at: datetime) -> None:
        self.at = at


def eventually(condition: Callable[[], object], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def use_ivr(db: Database, store: Store, port: int, *, call_window: str | None = None) -> None:
    with db.transaction() as session:
        row = session.exec(select(SetupRow).where(SetupRow.store_id == store.id)).one()
        row.call_using, row.ivr_host, row.ivr_port = "ivr", "127.0.0.1", port
        session.add(row)
        if call_window is not None:
            alerts = session.exec(
                select(AlertSettings).where(AlertSettings.store_id == store.id)
            ).one()
            alerts.call_window = call_window
            session.add(alerts)


def add_calls(
    db: Database, store: Store, *bodies: str, to: str = DC, at: datetime = NOON
) -> list[str]:
    assert store.id is not None
    uuids = []
    with db.transaction() as session:
        for body in bodies:
            uuids.append(str(uuid.uuid4()))
            session.add(OutboundMessage(
                uuid=uuids[-1], store_id=store.id, method="Outbound Call", alert_type="General",
                priority=3, entity="Patient", entity_name="Ana Lopez", recipient=to, body=body,
                status="Pending", created_at=at, scheduled_at=at,
            ))  # fmt: skip
    return uuids


def queue(db: Database) -> dict[str, tuple[str, int]]:
    with db.read() as session:
        return {m.body: (m.status, m.attempts) for m in session.exec(select(OutboundMessage))}


def errors(db: Database, body: str) -> list[str]:
    with db.read() as session:
        message = session.exec(select(OutboundMessage).where(OutboundMessage.body == body)).one()
        return [
            a.error
            for a in session.exec(
                select(MessageAttempt)
                .where(MessageAttempt.message_id == message.id)
                .order_by(col(MessageAttempt.id))
            )
        ]


@pytest.fixture
def transports(db: Database, tmp_path: Path) -> Iterator[StoreTransports]:
    built = StoreTransports(db, Settings(data_dir=tmp_path), refresh=0)
    yield built
    built.close()


@pytest.fixture
def placed_log() -> list[str]:
    return []


def dispatcher(db: Database, transports: StoreTransports, clock: Clock) -> Dispatcher:
    return Dispatcher(db, transports, clock, workers=1)


def settle_statuses(
    db: Database, transports: StoreTransports, clock: ManualClock, sim: IvrSimulator, calls: int
) -> None:
    """Wait for the simulator to finish `calls` calls, then read the statuses a check later."""
    eventually(lambda: len(sim.placed) >= calls)
    time.sleep(1.0)  # the final lines reach the link, even on a busy machine
    clock.advance(INTERVAL + timedelta(seconds=1))
    check_delivery(db, transports, now=clock.now())


def test_answered_no_answer_busy_failed_become_the_message_status(
    db: Database, store: Store, transports: StoreTransports, placed_log: list[str]
) -> None:
    clock = ManualClock(NOON)
    sim = IvrSimulator(
        script=("answered", "no-answer", "busy", "failed"), delay=0.02, log=placed_log.append
    ).start()
    try:
        use_ivr(db, store, sim.port)
        uuids = add_calls(db, store, "answered", "no-answer", "busy", "failed")
        stats = dispatcher(db, transports, clock).run_until_idle()
        assert (stats.claimed, stats.sent) == (4, 4)
        assert set(queue(db).values()) == {("Sent", 1)}
        settle_statuses(db, transports, clock, sim, 4)
        assert queue(db) == {
            "answered": ("Delivered", 1),
            "no-answer": ("Pending", 1),
            "busy": ("Pending", 1),
            "failed": ("Failed", 1),
        }
        assert errors(db, "no-answer")[-1] == "no answer"
        assert errors(db, "busy")[-1] == "the line was busy"
        assert [i for i, _ in sim.placed] == uuids  # the message UUID is the call's id
    finally:
        sim.stop()


def test_no_answer_is_called_again_later_at_most_three_times(
    db: Database, store: Store, transports: StoreTransports, placed_log: list[str]
) -> None:
    clock = ManualClock(NOON)
    sim = IvrSimulator(script=("no-answer",), delay=0.02, log=placed_log.append).start()
    try:
        use_ivr(db, store, sim.port)
        add_calls(db, store, "nobody home")
        send = dispatcher(db, transports, clock)
        for tries in (1, 2, 3):
            assert send.run_until_idle().sent == 1
            settle_statuses(db, transports, clock, sim, tries)
            assert send.run_until_idle().sent == 0  # not yet: it waits half an hour
            clock.advance(UNANSWERED_RETRY)
        assert queue(db) == {"nobody home": ("Failed", 3)}
        assert errors(db, "nobody home")[-1] == "no answer; gave up after 3 tries"
        assert send.run_until_idle().claimed == 0 and len(sim.placed) == 3
    finally:
        sim.stop()


def test_calls_wait_for_the_call_window_and_the_recipients_8am(
    db: Database, store: Store, transports: StoreTransports, placed_log: list[str]
) -> None:
    sim = IvrSimulator(delay=0.02, log=placed_log.append).start()
    try:
        # The store would call from 07:00 New York time; the law says 08:00 where the patient is.
        use_ivr(db, store, sim.port, call_window="07:00-22:00")
        dawn = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
        add_calls(db, store, "east", at=dawn)
        add_calls(db, store, "west", to=SEATTLE, at=dawn)
        clock = ManualClock(datetime(2026, 3, 2, 12, 30, tzinfo=UTC))  # 07:30 in New York
        send = dispatcher(db, transports, clock)
        assert send.run_until_idle().deferred == 2
        clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))  # 08:00 New York, 05:00 Seattle
        assert send.run_until_idle().sent == 1
        eventually(lambda: len(sim.placed) == 1)
        clock.set(datetime(2026, 3, 2, 15, 59, tzinfo=UTC))  # 07:59 Seattle
        assert send.run_until_idle().sent == 0
        clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # 08:00 Seattle
        assert send.run_until_idle().sent == 1
        eventually(lambda: len(sim.placed) == 2)  # the simulator logs a call as it takes it
        with db.read() as session:
            sent = {m.body: m.sent_at for m in session.exec(select(OutboundMessage))}
        assert sent["east"] is not None and sent["east"].hour == 13
        assert sent["west"] is not None and sent["west"].hour == 16
        # After the store's window (22:00 New York) nothing is called, even if asked.
        add_calls(db, store, "late", at=dawn)
        clock.set(datetime(2026, 3, 3, 3, 5, tzinfo=UTC))
        assert send.run_until_idle().deferred == 1 and len(sim.placed) == 2
    finally:
        sim.stop()


def test_ivr_killed_and_restarted_loses_no_call_and_places_none_twice(
    db: Database, store: Store, transports: StoreTransports, placed_log: list[str]
) -> None:
    clock = ManualClock(NOON)
    first = IvrSimulator(delay=30, log=placed_log.append).start()  # calls stay queued
    port = first.port
    use_ivr(db, store, port)
    [queued_uuid] = add_calls(db, store, "queued when it died")
    send = dispatcher(db, transports, clock)
    assert send.run_until_idle().sent == 1
    first.stop()  # powered off mid-call: the call was never finished
    eventually(lambda: transports.devices_down() == ["IVR"])

    [down_uuid] = add_calls(db, store, "sent while down")
    stats = send.run_until_idle()
    assert stats.deferred == 1 and stats.sent == 0
    assert queue(db)["sent while down"] == ("Pending", 0)  # no attempt spent while down
    check_delivery(db, transports, now=clock.now())  # cannot ask: stays Sent
    assert queue(db)["queued when it died"] == ("Sent", 1)

    second = IvrSimulator(port=port, delay=0.02, log=placed_log.append).start()
    try:
        eventually(lambda: transports.devices_down() == [])
        clock.advance(TRANSPORT_DOWN_RETRY)
        assert send.run_until_idle().sent == 1
        clock.advance(INTERVAL + timedelta(seconds=1))
        check_delivery(db, transports, now=clock.now())  # the new IVR never had it: again
        assert queue(db)["queued when it died"] == ("Pending", 1)
        assert send.run_until_idle().sent == 1
        settle_statuses(db, transports, clock, second, 2)
        assert queue(db) == {
            "queued when it died": ("Delivered", 2),
            "sent while down": ("Delivered", 1),
        }
        assert first.placed == []
        assert sorted(second.placed) == sorted([(queued_uuid, "answered"), (down_uuid, "answered")])
    finally:
        second.stop()
