"""The dispatcher on both databases: order, outcomes, retries, windows, words, claims."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.backoff import RetryPolicy
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    SendResult,
    TransientError,
)
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import claim_due, recover_claims
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, MessageAttempt, OutboundMessage, Store

# Monday 2 March 2026, 12:00 in New York: inside the default window (09:00-19:00, Mon-Sat).
NOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CELL = "+12025550143"


class ScriptedProvider:
    """Answers each send from a script keyed by message body; records what it was asked."""

    name = "scripted"

    def __init__(self, script: dict[str, Exception] | None = None) -> None:
        self.script = script or {}
        self.sent: list[OutgoingMessage] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self.lock:
            self.sent.append(message)
        if message.body in self.script:
            raise self.script[message.body]
        return SendResult(f"id-{message.uuid[:8]}", 201, "accepted")

    def status(self, provider_message_id: str) -> DeliveryStatus:
        return DeliveryStatus.UNKNOWN

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        return []

    def close(self) -> None:
        pass


def add_messages(
    db: Database,
    store: Store,
    *bodies: str,
    priority: int = 3,
    method: str = "SMS",
    at: datetime = NOON,
) -> None:
    with db.transaction() as session:
        for body in bodies:
            session.add(OutboundMessage(
                uuid=str(uuid.uuid4()), store_id=store.id, method=method, alert_type="General",
                priority=priority, entity="Patient", entity_name="Ana Lopez",
                recipient=CELL if method != "Email" else "ana@example.org", body=body,
                status="Pending", created_at=at, scheduled_at=at,
            ))  # type: ignore[arg-type]  # fmt: skip


def statuses(db: Database) -> dict[str, tuple[str, int, str]]:
    with db.read() as session:
        return {
            m.body: (m.status, m.attempts, m.warning) for m in session.exec(select(OutboundMessage))
        }


@pytest.fixture
def noon() -> Clock:
    return Clock(NOON)


def make(db: Database, provider: ScriptedProvider, clock: Clock, **kw: object) -> Dispatcher:
    return Dispatcher(db, lambda _store, _method: provider, clock, **kw)  # type: ignore[arg-type]


def test_due_messages_are_sent_in_priority_order_and_recorded(
    db: Database, store: Store, noon: Clock
) -> None:
    add_messages(db, store, "low 1", "low 2")
    add_messages(db, store, "high", priority=1)
    provider = ScriptedProvider()
    stats = make(db, provider, noon, workers=1).run_until_idle()
    assert (stats.claimed, stats.sent) == (3, 3)
    assert [m.body for m in provider.sent] == ["high", "low 1", "low 2"]
    assert set(statuses(db).values()) == {("Sent", 1, "")}
    with db.read() as session:
        attempts = list(session.exec(select(MessageAttempt)))
        uuids = {m.uuid for m in session.exec(select(OutboundMessage))}
    assert len(attempts) == 3 and all(
        a.provider == "scripted" and a.status_code == 201 for a in attempts
    )
    assert {m.uuid for m in provider.sent} == uuids


def test_errors_retry_with_backoff_then_fail(db: Database, store: Store, noon: Clock) -> None:
    add_messages(db, store, "busy", "bad number", "flaky")
    provider = ScriptedProvider({
        "busy": TransientError("rate limited", status_code=429, retry_after=120),
        "bad number": PermanentError("The 'To' number is not a valid phone number", status_code=400),
        "flaky": RuntimeError("socket exploded"),
    })  # fmt: skip
    dispatcher = make(db, provider, noon, policy=RetryPolicy(max_attempts=2, base_seconds=1))
    stats = dispatcher.run_once()
    assert (stats.retrying, stats.failed) == (2, 1)
    assert statuses(db) == {
        "busy": ("Pending", 1, ""), "bad number": ("Failed", 1, ""), "flaky": ("Pending", 1, ""),
    }  # fmt: skip
    with db.read() as session:
        busy = session.exec(select(OutboundMessage).where(OutboundMessage.body == "busy")).one()
        errors = {a.error for a in session.exec(select(MessageAttempt))}
    assert busy.next_attempt_at is not None
    assert busy.next_attempt_at >= NOON + timedelta(seconds=120)  # Retry-After honoured
    assert "The 'To' number is not a valid phone number" in errors
    assert any("socket exploded" in e for e in errors)
    assert dispatcher.run_once().claimed == 0  # not due yet
    later = make(
        db, provider, Clock(NOON + timedelta(minutes=5)), policy=RetryPolicy(max_attempts=2)
    )
    later.run_once()
    assert statuses(db)["busy"] == ("Failed", 2, "") and statuses(db)["flaky"] == ("Failed", 2, "")


def test_restricted_words_are_caught_again_at_send_time(
    db: Database, store: Store, noon: Clock
) -> None:
    add_messages(db, store, "New CBD balm in store")
    provider = ScriptedProvider()
    make(db, provider, noon).run_once()
    assert provider.sent == []
    assert statuses(db)["New CBD balm in store"] == ("Undelivered", 0, "Word Restricted")


def test_outside_the_window_messages_wait_for_the_next_opening(db: Database, store: Store) -> None:
    night = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # Monday 21:00 in New York
    add_messages(db, store, "reminder", at=night)
    provider = ScriptedProvider()
    make(db, provider, Clock(night)).run_once()
    assert provider.sent == [] and statuses(db)["reminder"] == ("Pending", 0, "")
    with db.read() as session:
        waiting = session.exec(select(OutboundMessage)).one()
    assert waiting.next_attempt_at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tue 09:00
    make(db, provider, Clock(datetime(2026, 3, 3, 14, 0, 5, tzinfo=UTC))).run_once()
    assert statuses(db)["reminder"] == ("Sent", 1, "")


def test_a_method_without_transport_stays_pending(db: Database, store: Store, noon: Clock) -> None:
    add_messages(db, store, "call me", method="Outbound Call")
    Dispatcher(db, lambda _s, _m: None, noon).run_once()
    assert statuses(db)["call me"] == ("Pending", 0, "")


def test_expired_and_dead_claims_are_taken_back(db: Database, store: Store, noon: Clock) -> None:
    add_messages(db, store, "a", "b")
    gone = Claimant("elsewhere", 1, "x")
    assert len(claim_due(db, gone, now=NOON, limit=1, lease=timedelta(seconds=30))) == 1
    dead_here = Claimant(Claimant.for_this_process().host, 2**22 + 17, "y")
    assert len(claim_due(db, dead_here, now=NOON, limit=5, lease=timedelta(hours=1))) == 1
    assert recover_claims(db, now=NOON) == 1  # the dead local process, at once
    assert recover_claims(db, now=NOON + timedelta(seconds=31)) == 1  # the expired lease
    assert set(statuses(db).values()) == {("Pending", 0, "")}


def test_concurrent_dispatchers_never_send_a_message_twice(
    db: Database, store: Store, noon: Clock
) -> None:
    bodies = [f"m{n}" for n in range(120)]
    add_messages(db, store, *bodies)
    provider = ScriptedProvider()
    dispatchers = [make(db, provider, noon, batch_size=10) for _ in range(3)]
    threads = [threading.Thread(target=d.run_until_idle) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    counts = Counter(m.body for m in provider.sent)
    assert sorted(counts) == sorted(bodies) and set(counts.values()) == {1}
    assert {s for s, _, _ in statuses(db).values()} == {"Sent"}


def test_only_the_store_window_settings_are_read(db: Database, store: Store, noon: Clock) -> None:
    with db.transaction() as session:
        alerts = session.exec(select(AlertSettings)).one()
        alerts.email_sms_window = "13:00-14:00"
        session.add(alerts)
    add_messages(db, store, "later today")
    make(db, ScriptedProvider(), noon).run_once()
    assert statuses(db)["later today"] == ("Pending", 0, "")
