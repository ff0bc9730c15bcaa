"""A whole day at a busy store, minute by minute: no text at night, none after STOP, one answer each.

10,000 patients in the four mainland zones, Alaska, Hawaii and area codes
that span two zones (tests/compliance_world.py). Over 24 simulated hours,
from midnight in Chicago, every minute does what the scheduler does: the
daily process when due (at the store's midnight, so refill reminders and
birthday greetings are queued in everyone's night), the Rx events and chat
replies of that minute, the inbound texts of that minute read as a poll
would, then the dispatcher until idle. The provider records the simulated
minute of each send. With the store's windows wide open only the 08:00-21:00
floor in the recipient's zone protects patients (10,000 patients); with the
legacy windows (09:00-19:00 in Chicago, on 2,000 patients to keep the suite's
time) both hold. `pytest -s` prints the day's figures.

Each window setting is one test that asserts everything about its day: the
day takes a while to live, and under `pytest -n 2` tests of one module may
land on different workers, so a shared fixture would live it twice.
"""

from __future__ import annotations

import os
import time as wallclock
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from rxmsg_tui.config import Settings
from rxmsg_tui.domain.send_windows import QUIET_END, QUIET_START
from rxmsg_tui.domain.vocabulary import Method, QueueStatus, QueueWarning
from rxmsg_tui.services.chat import send_chat
from rxmsg_tui.services.consent_state import consent_states
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.daily.schedule import run_due
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.inbound import InboundReport, record_inbound
from rxmsg_tui.services.rx_events import record_event
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import Consent, ConversationMessage, OutboundMessage
from tests.compliance_world import (
    AMBIGUOUS,
    LEGACY,
    MINUTES,
    STORE_ZONE,
    WIDE_OPEN,
    ComplianceWorld,
    RecordingProvider,
    Sent,
    SimulatedClock,
    at_minute,
    build_world,
)
from tests.zones_oracle import ring_zones

RINGS = (Method.SMS, Method.CALL)


@dataclass
class Day:
    """What the simulated day did: the provider's log, the queue at the end, the texts read."""

    world: ComplianceWorld
    sent: list[Sent]
    queue: list[OutboundMessage]
    inbound_ids: dict[str, int]
    """Each inbound text's provider id → its conversation line id."""
    inbound: InboundReport
    chats_refused: dict[tuple[datetime, str], str]
    """Chat replies refused when typed, by (minute, patient ID): why."""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def by_uuid(self) -> dict[str, OutboundMessage]:
        return {m.uuid: m for m in self.queue}

    def answers(self) -> dict[str, OutboundMessage]:
        """Keyword answers by their dedupe key."""
        return {m.dedupe_key or "": m for m in self.queue if m.keyword_reply}

    def ordinary(self, methods: tuple[Method, ...] = RINGS) -> list[Sent]:
        """Sends of these methods that are not answers to a patient's own text."""
        answers = {m.uuid for m in self.answers().values()}
        return [s for s in self.sent if s.method in methods and s.uuid not in answers]

    def stop_read(self) -> dict[str, datetime]:
        """The minute each number's first STOP was read."""
        first: dict[str, datetime] = {}
        for sms in sorted(self.stops(), key=lambda s: s.received_at):
            first.setdefault(sms.from_number, sms.received_at)
        return first

    def stops(self) -> list[Any]:
        return [
            sms for texts in self.world.timetable.inbound.values() for sms in texts
            if sms.body not in AMBIGUOUS
        ]  # fmt: skip


def live_a_day(world: ComplianceWorld) -> Day:
    """Every minute: the daily process when due, events, chat, inbound texts, then dispatch."""
    clock = SimulatedClock(at_minute(0))
    provider = RecordingProvider(clock)
    dispatcher = Dispatcher(world.db, lambda _store, _method: provider, clock)
    ctx = AppContext(Settings(), clock, world.db, world.store, world.actor)
    store_id, plan = world.actor.store_id, world.timetable
    inbound, refused, watch = InboundReport(), dict[tuple[datetime, str], str](), Stopwatch()
    for minute in range(MINUTES):
        clock.at = now = at_minute(minute)
        with watch("daily process"):
            run_due(world.db, now=now)
        with watch("Rx events"):
            for event in plan.events.get(minute, ()):
                record_event(world.db, world.actor, event.rx_number, event.kind, now=now)
        with watch("chat"):
            for chat in plan.chats.get(minute, ()):
                try:
                    send_chat(ctx, patient_id=chat.patient_id, text=chat.body)
                except InvalidInput as exc:  # refused on the spot: the patient texted STOP
                    refused[(now, chat.patient_id)] = str(exc)
        with watch("inbound"):
            if texts := plan.inbound.get(minute):
                inbound += record_inbound(world.db, store_id, texts, provider="recording", now=now)
        with watch("dispatch"):
            dispatcher.run_until_idle()
    with world.db.read() as session:
        queue = list(session.exec(select(OutboundMessage)))
        lines = session.exec(
            select(ConversationMessage.provider_message_id, ConversationMessage.id).where(
                ConversationMessage.direction == "in"
            )
        )
        inbound_ids = {pid or "": line or 0 for pid, line in lines}
    return Day(world, provider.sent, queue, inbound_ids, inbound, refused, dict(watch.spent))


class Stopwatch:
    """Wall seconds spent in each part of the day, for the figures."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, part: str) -> Iterator[None]:
        started = wallclock.perf_counter()
        try:
            yield
        finally:
            self.spent[part] += wallclock.perf_counter() - started


def rang_at_night(sent: Sent) -> list[str]:
    """Each zone the number may ring in where it was outside 08:00-21:00, as `zone hh:mm`."""
    found = []
    for zone in ring_zones(sent.to, STORE_ZONE):
        local = sent.at.astimezone(zone)
        if not QUIET_END <= local.time() < QUIET_START:
            found.append(f"{zone.key} {local:%H:%M}")
    return found


POSTGRES_DAY = "RXMSG_COMPLIANCE_POSTGRES"
"""Set to 1 to live the 10,000-patient day on PostgreSQL too (about 90 s of CPU, and far
longer in wall time, waiting on the server's round trips: too slow for every `make test`)."""


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    backend = getattr(request, "param", "sqlite")
    url = (
        f"sqlite:///{tmp_path}/rxmsg.db"
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_schema_url"))
    )
    db = Database(make_engine(url))
    db.migrate()
    yield db
    db.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("database", "windows", "patients"),
    [
        ("sqlite", WIDE_OPEN, 10_000),
        ("sqlite", LEGACY, 2_000),
        pytest.param("postgres", WIDE_OPEN, 10_000, marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get(POSTGRES_DAY),
                               reason=f"the day on PostgreSQL runs when {POSTGRES_DAY}=1"),
        ]),
    ],
    ids=["windows-wide-open-10000-patients", "legacy-windows-2000-patients",
         "postgres-windows-wide-open-10000-patients"],
    indirect=["database"],
)  # fmt: skip
def test_a_day_in_six_zones_keeps_every_rule(
    database: Database, windows: dict[str, Any], patients: int
) -> None:
    """10,000 patients where only the floor protects them; the legacy windows on 2,000.

    The legacy windows only take minutes away from the wide-open case, so the
    second day is smaller to keep the suite's time; it still checks both the
    store window and the floor on every zone.
    """
    started = wallclock.perf_counter()
    world = build_world(database, patients=patients, windows=windows)
    built = wallclock.perf_counter() - started
    day = live_a_day(world)
    label = f"store window {windows['email_sms_window']}, calls {windows['call_window']}, " + (
        ",".join(windows["days"])
    )
    report(day, label, built)
    no_text_or_call_outside_8_to_21_at_the_recipient(day)
    nothing_sent_outside_the_store_window(day, windows)
    no_text_after_stop_and_one_answer_per_stop(day)
    nothing_queued_is_lost(day)


def no_text_or_call_outside_8_to_21_at_the_recipient(day: Day) -> None:
    rung = day.ordinary()
    night = [(s.to, f"{s.at:%H:%M} UTC", rang_at_night(s)) for s in rung if rang_at_night(s)]
    assert night == [], f"{len(night)} texts or calls at night, first: {night[:5]}"
    regions = {p.cell: p.region for p in day.world.people}
    assert {regions[s.to] for s in rung} == {p.region for p in day.world.people}
    assert {s.method for s in rung} == set(RINGS)
    # The floor is reached, not avoided: a text goes at 08:00 sharp somewhere.
    local = {s.at.astimezone(ring_zones(s.to, STORE_ZONE)[0]).strftime("%H:%M") for s in rung}
    assert "08:00" in local


def nothing_sent_outside_the_store_window(day: Day, windows: dict[str, Any]) -> None:
    """Every send but the keyword answers inside the store's window, in the store's zone."""
    opened = set()
    for sent in day.ordinary((Method.SMS, Method.EMAIL, Method.CALL)):
        window = windows["call_window" if sent.method is Method.CALL else "email_sms_window"]
        start, end = window.split("-")
        local = f"{sent.at.astimezone(STORE_ZONE):%H:%M}"
        assert start <= local < end, (sent.method, sent.to, local)
        opened.add(local)
    latest = max(opened)
    if windows is WIDE_OPEN:  # the floor's evening edge: 20:59 somewhere west of Chicago
        evening = {
            s.at.astimezone(ring_zones(s.to, STORE_ZONE)[0]).strftime("%H:%M")
            for s in day.ordinary()
        }  # fmt: skip
        assert max(evening) >= "20:00"
    else:  # what waited overnight goes when the store opens
        assert windows["email_sms_window"].split("-")[0] in opened and latest < "19:00"


def no_text_after_stop_and_one_answer_per_stop(day: Day) -> None:
    stop_read = day.stop_read()
    after = [
        (s.to, f"{s.at:%H:%M}", f"STOP {stop_read[s.to]:%H:%M}")
        for s in day.ordinary((Method.SMS,))
        if s.to in stop_read and s.at >= stop_read[s.to]
    ]
    assert after == [], f"texts after STOP: {after[:5]}"
    answers, sent_at = day.answers(), {s.uuid: s.at for s in day.sent}
    first_stop = {(n, at) for n, at in stop_read.items()}
    for sms in day.stops():
        answer = answers.get(f"keyword-reply:{day.inbound_ids[sms.provider_message_id]}")
        if (sms.from_number, sms.received_at) in first_stop:
            assert answer is not None, f"no answer to {sms.body!r} from {sms.from_number}"
            assert sent_at.get(answer.uuid) == sms.received_at  # at once, night or day
        else:
            assert answer is None, f"a second answer to {sms.from_number}, already out"
    assert len(answers) == len(stop_read) == day.inbound.answers_queued
    assert day.inbound.stops == len(day.stops())
    assert day.inbound.flagged == len(day.world.ambiguous)
    patients = [p.pk for p in day.world.people]
    with day.world.db.read() as session:
        consent = consent_states(session, patients)
        keyword_rows = Counter(session.exec(
            select(Consent.patient_id).where(Consent.source == "sms-keyword")
        ))  # fmt: skip
    out = {p.cell for p in day.world.people if consent[p.pk].sms_opted_out}
    assert out == set(stop_read)  # ambiguous texts opted no one out
    household = [p.pk for p in day.world.people if p.cell == day.world.household]
    assert len(household) == 2 and all(keyword_rows[pk] > 0 for pk in household)
    cell_of = {p.patient_id: p.cell for p in day.world.people}
    after_stop = {
        (at_minute(minute), chat.patient_id)
        for minute, chats in day.world.timetable.chats.items() for chat in chats
        if cell_of[chat.patient_id] in stop_read
        and stop_read[cell_of[chat.patient_id]] <= at_minute(minute)
    }  # fmt: skip
    assert set(day.chats_refused) == after_stop and after_stop
    assert all("texted STOP" in why for why in day.chats_refused.values())


def nothing_queued_is_lost(day: Day) -> None:
    handed = Counter(s.uuid for s in day.sent)
    assert set(handed.values()) == {1}, "a message was handed over twice"
    end = at_minute(MINUTES - 1)
    for message in day.queue:
        status = QueueStatus(message.status)
        if status is QueueStatus.SENT:
            assert message.uuid in handed
        elif status is QueueStatus.UNDELIVERED:
            assert message.warning == QueueWarning.OPTED_OUT, (message.id, message.warning)
        elif status is QueueStatus.PENDING:
            wakes = message.next_attempt_at
            assert wakes is not None and wakes > end, message.id
            if Method(message.method) in RINGS:
                assert not rang_at_night(Sent(wakes, Method(message.method), message.recipient,
                                              message.uuid))  # fmt: skip
        elif status is QueueStatus.DELETED:
            assert message.alert_type == "RX Ready for Pickup", message.id  # cancelled by pickup
        else:
            pytest.fail(f"message {message.id} ended the day {status}")
    statuses = Counter(m.status for m in day.queue)
    assert statuses[QueueStatus.SENT.value] == len(day.sent)
    assert statuses[QueueStatus.PENDING.value] > 0  # the Pacific's and Hawaii's evenings wait


def report(day: Day, label: str, built: float) -> None:
    by_uuid, stop_read = day.by_uuid, day.stop_read()
    rung = day.ordinary()
    waited = [s for s in rung if by_uuid[s.uuid].created_at < s.at]
    answers = [s for s in day.sent if by_uuid[s.uuid].keyword_reply]
    night_answers = sorted(f"{s.at.astimezone(STORE_ZONE):%H:%M}" for s in answers
                           if rang_at_night(s))  # fmt: skip
    texts_to_stopped = [
        (s.at - stop_read[s.to]).total_seconds() / 60
        for s in day.ordinary((Method.SMS,)) if s.to in stop_read
    ]  # fmt: skip
    opted_out = sum(1 for m in day.queue if m.warning == QueueWarning.OPTED_OUT)
    lines = {
        "patients": len(day.world.people),
        "queued by type": dict(Counter(m.alert_type for m in day.queue)),
        "queue at the end": dict(Counter(f"{m.status} {m.warning}".strip() for m in day.queue)),
        "sent by method": dict(Counter(s.method.value for s in day.sent)),
        "texts and calls held overnight or until the window opened, then sent": len(waited),
        "still Pending for tomorrow morning": sum(
            1 for m in day.queue if m.status == QueueStatus.PENDING.value
        ),
        "texts and calls at night (keyword answers aside)": sum(
            1 for s in rung if rang_at_night(s)
        ),
        "inbound": day.inbound.line(),
        "numbers that texted STOP": len(stop_read),
        "keyword answers sent": len(answers),
        "keyword answers at night, store time": f"{len(night_answers)} {night_answers[:8]}",
        "texts to a number at or after its STOP": sum(1 for d in texts_to_stopped if d >= 0),
        "latest text to a number, minutes after its STOP (negative: before)": max(
            texts_to_stopped, default=None
        ),
        "messages stopped at dispatch as Opted Out": opted_out,
        "chat replies refused on the spot (texted STOP)": len(day.chats_refused),
        "seconds: build": round(built, 1),
        **{f"seconds: {k}": round(v, 1) for k, v in day.seconds.items()},
    }
    print(f"\ncompliance day, {label}:")
    for name, value in lines.items():
        print(f"  {name}: {value}")
    assert len(waited) > 0 and len(answers) == len(stop_read) > 0
    assert len(night_answers) > 0  # some patients texted STOP at night and were answered
