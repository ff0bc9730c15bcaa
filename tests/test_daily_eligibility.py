"""Who gets what from the daily process: a table of cases at every edge, on both databases.

Each case builds one patient with one prescription, runs the daily process and
lists what was queued, by rule and channel (`refill-due:sms`). The default
world: refill reminders by SMS, before 3 days and after 7, maintenance drugs
only; the Rx was filled on 1 March 2026 for 30 days, so it is due on 31 March;
the patient consented to everything, verified both addresses and wants every
alert on every channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from tests.conftest import NOW
from tests.daily_world import World

DUE = date(2026, 3, 31)
NEW_YORK_MIDNIGHT_MARCH_8 = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # EST, the day clocks spring on
NEW_YORK_MIDNIGHT_NOV_2 = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # EST again after fall back


@dataclass(frozen=True)
class Case:
    name: str
    day: date | None
    expect: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    rx: dict[str, Any] = field(default_factory=dict)
    drug: dict[str, Any] = field(default_factory=dict)
    patient: dict[str, Any] = field(default_factory=dict)
    consents: tuple[tuple[str, str, bool, datetime, str], ...] = ()
    """Extra ledger rows: channel, purpose, granted, when, source."""
    events: tuple[tuple[str, datetime], ...] = ()
    """Rx events of the current fill: kind, when."""
    runs_before: tuple[date, ...] = ()
    now: datetime = NOW


def days(n: int) -> date:
    return DUE + timedelta(days=n)


STOP = NOW - timedelta(days=1)
BOTH = {"refill_channels": ["email", "sms"]}
BIRTHDAYS = {"refill_channels": [], "birthday_channels": ["sms"]}
WELCOME = {"refill_channels": [], "welcome_channels": ["sms"]}
FOLLOW_UPS = {"refill_channels": [], "pickup_channels": ["sms"], "pickup_followup_days": [2, 5]}
LEAP = {"dob": date(1996, 2, 29)}
NOON_MARCH_10 = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)

CASES = [
    # the due window [due − before, due] and the past-due window (due, due + after]
    Case("before days: first day of the window", days(-3), ("refill-due:sms",)),
    Case("before days: the day before the window", days(-4), ()),
    Case("due today", DUE, ("refill-due:sms",)),
    Case("past due: the day after due", days(1), ("refill-past-due:sms",)),
    Case("after days: last day of the window", days(7), ("refill-past-due:sms",)),
    Case("after days: the day after the window", days(8), ()),
    Case("before days 0: the day before due", days(-1), (), {"refill_before_days": 0}),
    Case("before days 0: due today", DUE, ("refill-due:sms",), {"refill_before_days": 0}),
    Case("after days 0: never past due", days(1), (), {"refill_after_days": 0}),
    Case("when due switched off", days(-2), (), {"refill_when_due": False}),
    Case("when past due switched off", days(2), (), {"refill_when_past_due": False}),
    Case("both switched off", DUE, (), {"refill_when_due": False, "refill_when_past_due": False}),
    Case("a 90-day supply, due in the window", date(2026, 5, 28), ("refill-due:sms",),
         rx={"days_supply": 90}),
    # drug classes
    Case("non-maintenance drug, not sent for", DUE, (), drug={"maintenance": False}),
    Case("non-maintenance drug, sent for", DUE, ("refill-due:sms",),
         {"refill_non_maintenance": True}, drug={"maintenance": False}),
    Case("C2 drug, C2 off", DUE, (), drug={"dea": 2}),
    Case("C2 drug, C2 on", DUE, ("refill-due:sms",), {"c2_drugs": True}, drug={"dea": 2}),
    Case("C2 drug, control drugs on but C2 off", DUE, (), {"control_drugs": True},
         drug={"dea": 2}),
    Case("C3 drug, control drugs off", DUE, (), drug={"dea": 3}),
    Case("C4 drug, control drugs on", DUE, ("refill-due:sms",), {"control_drugs": True},
         drug={"dea": 4}),
    Case("C5 drug, C2 on but control drugs off", DUE, (), {"c2_drugs": True}, drug={"dea": 5}),
    # the prescription itself
    Case("no refills left", DUE, (), rx={"refills": 0}),
    Case("inactive prescription", DUE, (), rx={"active": False}),
    # channels: the store's ∩ the patient's
    Case("store sends email and SMS", DUE, ("refill-due:email", "refill-due:sms"), BOTH),
    Case("patient wants SMS only", DUE, ("refill-due:sms",), BOTH,
         patient={"prefs": {"refill": ("sms",)}}),
    Case("patient wants no refill reminders", DUE, (), BOTH, patient={"prefs": {}}),
    Case("store sends email, SMS and calls", DUE,
         ("refill-due:call", "refill-due:email", "refill-due:sms"),
         {"refill_channels": ["email", "sms", "call"]},
         patient={"consent": ("sms", "email", "call")}),
    Case("calls only, no consent to calls", DUE, (), {"refill_channels": ["call"]}),
    Case("calls only, patient wants texts only", DUE, (), {"refill_channels": ["call"]},
         patient={"consent": ("call",), "prefs": {"refill": ("sms",)}}),
    # consent, STOP, verification, addresses
    Case("no consent at all", DUE, (), patient={"consent": (), "marketing": ()}),
    Case("consent revoked later", DUE, (),
         consents=(("sms", "transactional", False, STOP, "verbal"),)),
    Case("revoked, then given again", DUE, ("refill-due:sms",),
         consents=(("sms", "transactional", False, STOP - timedelta(hours=1), "verbal"),
                   ("sms", "transactional", True, STOP, "sigpad"))),
    Case("texted STOP: email still goes", DUE, ("refill-due:email",), BOTH,
         consents=(("sms", "transactional", False, STOP, "sms-keyword"),
                   ("sms", "marketing", False, STOP, "sms-keyword"))),
    Case("STOP on marketing only still stops texts", DUE, ("refill-due:email",), BOTH,
         consents=(("sms", "marketing", False, STOP, "sms-keyword"),)),
    Case("texted STOP, then START", DUE, ("refill-due:sms",),
         consents=(("sms", "transactional", False, STOP - timedelta(hours=1), "sms-keyword"),
                   ("sms", "transactional", True, STOP, "sms-keyword"))),
    Case("only verified: unverified cell gets nothing", DUE, ("refill-due:email",),
         BOTH | {"only_verified": True}, patient={"cell_verified": False}),
    Case("only verified off: unverified cell is fine", DUE, ("refill-due:sms",),
         patient={"cell_verified": False}),
    Case("no cell phone", DUE, ("refill-due:email",), BOTH, patient={"cell_phone": None}),
    Case("a number that is not E.164 (invalid)", DUE, (), patient={"cell_phone": "555-01"}),
    Case("refill needs no marketing consent", DUE, ("refill-due:sms",),
         patient={"marketing": ()}),
    # birthdays
    Case("birthday today", date(2026, 7, 4), ("birthday:sms",), BIRTHDAYS,
         patient={"dob": date(1980, 7, 4)}),
    Case("birthday needs marketing consent", date(2026, 7, 4), (), BIRTHDAYS,
         patient={"dob": date(1980, 7, 4), "marketing": ()}),
    Case("birthday yesterday is not today's", date(2026, 7, 5), (), BIRTHDAYS,
         patient={"dob": date(1980, 7, 4)}),
    Case("leap-day birthday on 28 Feb of a common year", date(2027, 2, 28), ("birthday:sms",),
         BIRTHDAYS, patient=LEAP),
    Case("leap-day birthday not on 28 Feb of a leap year", date(2028, 2, 28), (), BIRTHDAYS,
         patient=LEAP),
    Case("leap-day birthday on 29 Feb of a leap year", date(2028, 2, 29), ("birthday:sms",),
         BIRTHDAYS, patient=LEAP),
    Case("1 March birthday is not moved in a common year", date(2027, 2, 28), (), BIRTHDAYS,
         patient={"dob": date(1990, 3, 1)}),
    # welcome
    Case("welcome a patient added today", date(2026, 3, 2), ("welcome:sms",), WELCOME,
         patient={"created_at": NOW}),
    Case("no welcome for a patient added long ago", date(2026, 3, 2), (), WELCOME),
    Case("welcome on a consent given today", date(2026, 3, 2), ("welcome:sms",), WELCOME,
         consents=(("email", "transactional", True, NOW, "verbal"),)),
    Case("sigpad mode: a new patient waits for the pad", date(2026, 3, 2), (),
         WELCOME | {"defaults_apply_on": "sigpad_consent"}, patient={"created_at": NOW}),
    Case("sigpad mode: welcomed on consent at the pad", date(2026, 3, 2), ("welcome:sms",),
         WELCOME | {"defaults_apply_on": "sigpad_consent"},
         consents=(("sms", "transactional", True, NOW, "sigpad"),)),
    # pickup follow-ups after the trigger event (label printed), unless picked up
    Case("follow-up 2 days after the label", date(2026, 3, 12), ("followup-2:sms",), FOLLOW_UPS,
         events=(("label-printed", NOON_MARCH_10),)),
    Case("no follow-up the day after the label", date(2026, 3, 11), (), FOLLOW_UPS,
         events=(("label-printed", NOON_MARCH_10),)),
    Case("second follow-up 5 days after", date(2026, 3, 15), ("followup-5:sms",), FOLLOW_UPS,
         events=(("label-printed", NOON_MARCH_10),)),
    Case("no follow-up once picked up", date(2026, 3, 12), (), FOLLOW_UPS,
         events=(("label-printed", NOON_MARCH_10), ("picked-up", NOON_MARCH_10))),
    Case("an event that is not the trigger sends nothing", date(2026, 3, 12), (), FOLLOW_UPS,
         events=(("verified", NOON_MARCH_10),)),
    Case("a reprinted label does not restart the count", date(2026, 3, 12), ("followup-2:sms",),
         FOLLOW_UPS, events=(("label-printed", NOON_MARCH_10),
                             ("label-printed", NOON_MARCH_10 + timedelta(days=1)))),
    # re-runs: the same day, the next day, overlapping windows
    Case("re-run the same day", DUE, ("refill-due:sms",), runs_before=(DUE,)),
    Case("every day of the due window: one reminder", DUE, ("refill-due:sms",),
         runs_before=(days(-3), days(-2), days(-1))),
    Case("due then past due: one of each kind", days(1),
         ("refill-due:sms", "refill-past-due:sms"), runs_before=(DUE,)),
    Case("past due run again the next day", days(3), ("refill-past-due:sms",),
         runs_before=(days(2),)),
    # the store's day across DST changes (America/New_York): the run takes "today" from now
    Case("DST spring day: 23:59 on 7 March is still the 7th", None, (),
         rx={"last_fill": date(2026, 2, 9)}, now=NEW_YORK_MIDNIGHT_MARCH_8 - timedelta(minutes=1)),
    Case("DST spring day: midnight opens the 8th's window", None, ("refill-due:sms",),
         rx={"last_fill": date(2026, 2, 9)}, now=NEW_YORK_MIDNIGHT_MARCH_8),
    Case("DST fall day: 23:30 EST on 1 November is still the 1st", None, (),
         rx={"last_fill": date(2026, 10, 6)}, now=NEW_YORK_MIDNIGHT_NOV_2 - timedelta(minutes=30)),
    Case("DST fall day: midnight after the 25-hour day", None, ("refill-due:sms",),
         rx={"last_fill": date(2026, 10, 6)}, now=NEW_YORK_MIDNIGHT_NOV_2),
]  # fmt: skip


def test_the_table_covers_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_daily_eligibility(db: Database, store: Store, admin: Actor, case: Case) -> None:
    assert store.id is not None
    world = World(db, store.id)
    world.settings(**{"refill_channels": ["sms"], **case.settings})
    pk = world.patient(**case.patient)
    for channel, purpose, granted, at, source in case.consents:
        world.consent(pk, channel, purpose, granted=granted, at=at, source=source)
    rx = world.rx(pk, world.drug(**case.drug), **case.rx)
    for kind, at in case.events:
        world.event(rx, kind, at)
    for earlier in case.runs_before:
        run_daily(db, admin, now=case.now, day=earlier)
    run_daily(db, admin, now=case.now, day=case.day)
    assert labels(world.queued()) == sorted(case.expect)


def labels(queued: list[tuple[str, str, str]]) -> list[str]:
    """`TEST:refill:1001:2026-03-01:due:sms` → `refill-due:sms`; one label per message."""
    found = []
    for _, _, key in queued:
        parts = key.split(":")
        rule, channel = parts[1], parts[-1]
        if rule == "refill":
            rule = f"refill-{parts[-2]}"
        elif rule == "pickup-followup":
            rule = f"followup-{parts[-2]}"
        found.append(f"{rule}:{channel}")
    return sorted(found)
