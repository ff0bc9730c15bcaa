"""A pharmacy's busiest day, built fast: 10,000 patients in six time zones and a day's timetable.

The store is in Chicago. Its patients' cells carry area codes of the four
mainland zones, Alaska, Hawaii and a few that span two zones (Idaho, the
Dakotas, northern Nevada), so each patient's quiet hours are those of every
zone the number may ring in (phonenumbers for the whole number: `tests/zones_oracle.py`).
Everything is drawn from one seeded generator, so a failure names the same
patient on every run. The timetable says what happens at each minute of the
store's day: Rx events from the pharmacy system, two-way chat replies typed
by staff, and inbound texts (STOP in its many spellings, repeated STOPs,
plain-words revocations, a household sharing one cell, ambiguous texts that
must not opt anyone out).

The volumes are a busy store's heaviest day rather than an average one: the
first daily run after go-live finds 12 % of patients in a refill window, 3 %
have a birthday, 5 % have a label printed (half of them pick up the same
day), staff answer 5 % in chat and 3 % text STOP."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlmodel import col

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import Method, Role, RxEventKind
from rxmsg_tui.providers.base import DeliveryStatus, InboundSms, OutgoingMessage, SendResult
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    Consent,
    Drug,
    PatientMessagePrefs,
    Prescription,
    Store,
)
from tests.tui.seed import insert_patients, patient
from tests.zones_oracle import ring_zones

STORE_ZONE = ZoneInfo("America/Chicago")
DAY = date(2026, 3, 10)
"""A Tuesday, two days after clocks sprang forward (Arizona and Hawaii did not)."""
START = datetime.combine(DAY, time(0, 0), STORE_ZONE).astimezone(UTC)
MINUTES = 24 * 60
STORE_NUMBER = "+13125550100"

AREA_CODES: dict[str, tuple[str, ...]] = {
    "Eastern": ("212", "305", "404", "617", "850"),
    "Central": ("312", "214", "504", "612", "931"),
    "Mountain": ("303", "801", "406", "915", "520"),  # 520: Arizona, no daylight saving
    "Pacific": ("213", "206", "415", "541"),
    "Alaska": ("907",),  # rings in Anchorage or Adak
    "Hawaii": ("808",),
    "Two zones": ("208", "605", "701", "775"),
}
SHARES = {"Eastern": 34, "Central": 24, "Mountain": 10, "Pacific": 18, "Alaska": 5,
          "Hawaii": 5, "Two zones": 4}  # fmt: skip

WIDE_OPEN = {"email_sms_window": "00:00-23:59", "call_window": "00:00-23:59",
             "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}  # fmt: skip
"""Store windows that let everything through: only the 08:00-21:00 floor protects patients."""

LEGACY = {"email_sms_window": "09:00-19:00", "call_window": "10:00-18:00",
          "days": ["mon", "tue", "wed", "thu", "fri", "sat"]}  # fmt: skip
"""The legacy store's usual windows, in the store's own zone."""

ALERTS = {
    "refill_channels": ["email", "sms", "call"],
    "pickup_channels": ["email", "sms"],
    "pickup_trigger": "label_printed",
    "pickup_confirmation_channels": ["sms"],
    "birthday_channels": ["email", "sms"],
    "general_channels": ["email", "sms"],
    "daily_start": "00:00",
}
"""The daily process runs at the store's midnight: reminders are queued in everyone's night."""

STOP_WORDS = ("STOP", "stop", "Stop.", " STOP ", "UNSUBSCRIBE", "Cancel", "quit", "END")
SPANISH_STOP_WORDS = ("ALTO", "parar", "CANCELAR")
PLAIN_WORDS = ("please stop texting me", "No more messages", "take me off your list")
AMBIGUOUS = ("stop by at 5?", "can you stop the refill on my Lisinopril")
"""Texts that mention stopping but revoke nothing: flagged for staff, no answer, still subscribed."""
CHAT_TEXT = "Hi #PATIENTNAME#, this is your pharmacist. Please call us back about your order."


class SimulatedClock(Clock):
    """The application clock, standing still at the minute the simulation is at."""

    def __init__(self, at: datetime) -> None:
        super().__init__(at)
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Sent:
    """One message as the provider received it, at simulated time."""

    at: datetime
    method: Method
    to: str
    uuid: str


class RecordingProvider:
    """Accepts every SMS, call and email at once and remembers when (HTTP is tested elsewhere)."""

    name = "recording"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            self.sent.append(Sent(self.clock.now(), message.method, message.to, message.uuid))
        return SendResult(f"sim-{message.uuid}", 201, "accepted")

    def status(self, provider_message_id: str) -> DeliveryStatus:
        return DeliveryStatus.UNKNOWN

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        return []

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Person:
    pk: int
    patient_id: str
    cell: str
    region: str
    zones: tuple[ZoneInfo, ...]
    rx_number: str


@dataclass(frozen=True)
class RxHappening:
    rx_number: str
    kind: RxEventKind


@dataclass(frozen=True)
class ChatReply:
    patient_id: str
    body: str


@dataclass
class Timetable:
    """What happens at each minute of the store's day (0 = midnight in Chicago)."""

    events: dict[int, list[RxHappening]] = field(default_factory=lambda: defaultdict(list))
    chats: dict[int, list[ChatReply]] = field(default_factory=lambda: defaultdict(list))
    inbound: dict[int, list[InboundSms]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class ComplianceWorld:
    db: Database
    store: Store
    actor: Actor
    people: list[Person]
    timetable: Timetable
    birthdays: int
    refills_due: int
    household: str
    """The one cell two patients share."""
    ambiguous: frozenset[str] = frozenset()
    """Cells that texted something ambiguous and never STOP."""


def at_minute(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


def build_world(
    db: Database, *, patients: int = 10_000, windows: dict[str, Any] = WIDE_OPEN, seed: int = 11
) -> ComplianceWorld:
    rng = random.Random(seed)
    with db.transaction() as session:
        store = create_store(session, code="CHI", name="Lakeside Pharmacy",
                             phone="(312) 555-0100", timezone=STORE_ZONE.key, now=START)  # fmt: skip
        assert store.id is not None
        store_id = store.id
    with db.engine.begin() as conn:
        conn.execute(
            update(AlertSettings)
            .where(col(AlertSettings.store_id) == store_id)
            .values(**ALERTS, **windows)
        )
    actor = Actor(store_id, "CHI", "alice", Role.ADMIN)
    people, birthdays, refills = _people(db, store_id, patients, rng)
    timetable = _timetable(people, rng)
    ambiguous = frozenset(
        sms.from_number for texts in timetable.inbound.values() for sms in texts
        if sms.body in AMBIGUOUS
    )  # fmt: skip
    return ComplianceWorld(
        db, store, actor, people, timetable, birthdays, refills, people[1].cell, ambiguous
    )


def _cells(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(region, E.164 cell) for `count` patients; patients 0 and 1 share a cell (a household)."""
    regions = rng.choices(list(SHARES), weights=list(SHARES.values()), k=count)
    serials: dict[str, int] = defaultdict(int)
    cells = []
    for region in regions:
        code = rng.choice(AREA_CODES[region])
        serials[code] += 1
        cells.append((region, f"+1{code}555{serials[code]:04d}"))
    cells[0] = cells[1]
    return cells


def _people(
    db: Database, store_id: int, count: int, rng: random.Random
) -> tuple[list[Person], int, int]:
    long_ago = START - timedelta(days=400)
    cells = _cells(count, rng)
    rows, birthdays = [], 0
    for n, (_, cell) in enumerate(cells):
        born_today = rng.random() < 0.03  # under the flood guard's 5 %: greetings are not held
        birthdays += born_today
        dob = date(1950 + n % 50, DAY.month, DAY.day) if born_today else date(1960, 1, 1 + n % 28)
        rows.append(patient(
            f"P{n:05d}", f"Pat{n:05d}", "Lee", dob=dob, cell_phone=cell,
            email=f"p{n:05d}@example.org", cell_verified=True, email_verified=True,
            language="es" if n % 10 == 3 else "en", created_at=long_ago, updated_at=long_ago,
            is_new=False,
        ))  # fmt: skip
    pks = insert_patients(db, store_id, rows)
    with db.engine.begin() as conn:
        drug = conn.execute(insert(Drug).values(
            store_id=store_id, ndc="00093-7180", name="Lisinopril 10 mg", maintenance=True,
        ).returning(col(Drug.id))).scalar_one()  # fmt: skip
    people, consents, prefs, prescriptions, refills = [], [], [], [], 0
    for n, (region, cell) in enumerate(cells):
        pk, pid, rx_number = pks[f"P{n:05d}"], f"P{n:05d}", f"{700000 + n}"
        people.append(Person(pk, pid, cell, region, tuple(ring_zones(cell, STORE_ZONE)),
                             rx_number))  # fmt: skip
        for channel in ("sms", "email", "call"):
            for purpose in ("transactional", "marketing"):
                consents.append({"store_id": store_id, "patient_id": pk, "channel": channel,
                                 "purpose": purpose, "granted": True, "source": "in-person",
                                 "username": "alice", "recorded_at": long_ago})  # fmt: skip
        calls = rng.random() < 0.1
        for alert in ("refill", "pickup", "pickup_confirmation", "birthday", "general"):
            prefs.append({"store_id": store_id, "patient_id": pk, "alert": alert, "sms": True,
                          "email": True, "call": calls and alert == "refill"})  # fmt: skip
        due_today = rng.random() < 0.12
        refills += due_today
        last_fill = DAY - timedelta(days=30 if due_today else 6)
        prescriptions.append({
            "store_id": store_id, "rx_number": rx_number, "patient_id": pk, "drug_id": drug,
            "days_supply": 30, "last_fill_date": last_fill,
            "due_date": last_fill + timedelta(days=30), "refills_remaining": 3, "active": True,
            "updated_at": long_ago,
        })  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(insert(Consent), consents)
        conn.execute(insert(PatientMessagePrefs), prefs)
        conn.execute(insert(Prescription), prescriptions)
    return people, birthdays, refills


def _timetable(people: list[Person], rng: random.Random) -> Timetable:
    """Rx events, chat replies and inbound texts at random minutes of the day, night included."""
    plan = Timetable()
    for person in rng.sample(people, k=len(people) * 5 // 100):
        printed = rng.randrange(MINUTES - 1)
        plan.events[printed].append(RxHappening(person.rx_number, RxEventKind.LABEL_PRINTED))
        if rng.random() < 0.5:
            picked = rng.randrange(printed + 1, MINUTES)
            plan.events[picked].append(RxHappening(person.rx_number, RxEventKind.PICKED_UP))
    for person in rng.sample(people, k=len(people) * 5 // 100):
        plan.chats[rng.randrange(MINUTES)].append(ChatReply(person.patient_id, CHAT_TEXT))
    _stops(plan, people, rng)
    return plan


def _stops(plan: Timetable, people: list[Person], rng: random.Random) -> None:
    """A few hundred STOPs: some repeated, some in plain words or Spanish, one from a household."""
    numbers = sorted({p.cell for p in rng.sample(people[2:], k=len(people) * 3 // 100)})
    numbers.append(people[0].cell)
    patient_of = {p.cell: p.patient_id for p in reversed(people)}
    serial = 0

    def text(cell: str, minute: int, body: str) -> None:
        nonlocal serial
        serial += 1
        plan.inbound[minute].append(InboundSms(f"SMsim{serial:06d}", cell, STORE_NUMBER, body,
                                               at_minute(minute)))  # fmt: skip

    for n, cell in enumerate(numbers):
        minute = rng.randrange(MINUTES)
        if n % 25 == 0:
            body = PLAIN_WORDS[n // 25 % len(PLAIN_WORDS)]
        elif n % 10 == 3:
            body = rng.choice(SPANISH_STOP_WORDS)
        else:
            body = rng.choice(STOP_WORDS)
        text(cell, minute, body)
        if n % 10 == 5 and minute < MINUTES - 3:  # staff answer the STOP in chat: refused
            plan.chats[minute + 2].append(ChatReply(patient_of[cell], CHAT_TEXT))
        if n % 10 == 7 and minute < MINUTES - 1:
            text(cell, rng.randrange(minute + 1, MINUTES), rng.choice(STOP_WORDS))
    stopped = set(numbers)
    unsure = [p.cell for p in people[2:] if p.cell not in stopped][: 2 * len(AMBIGUOUS)]
    for n, cell in enumerate(unsure):
        text(cell, rng.randrange(MINUTES), AMBIGUOUS[n % len(AMBIGUOUS)])
