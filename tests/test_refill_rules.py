"""Refill reminder eligibility and birthdays, table-driven at every edge."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.refill_rules import ReminderKind
from rxmsg_tui.domain.vocabulary import Channel
from tests.refill_oracle import (
    RefillSettings,
    RxFacts,
    is_birthday,
    refill_dedupe_key,
    refill_reminder,
)

DUE, PAST = ReminderKind.DUE, ReminderKind.PAST_DUE
SMS = Channel.SMS
S = RefillSettings()  # before 3, after 7, due and past due, maintenance only, no controlled drugs
# Filled 1 March for 30 days: due 31 March 2026.
RX = RxFacts(last_fill_date=date(2026, 3, 1), days_supply=30, refills_remaining=2)


def rx(**changes: object) -> RxFacts:
    return RxFacts(**{**RX.__dict__, **changes})  # type: ignore[arg-type]


def settings(**changes: object) -> RefillSettings:
    return RefillSettings(**{**S.__dict__, **changes})  # type: ignore[arg-type]


CASES = [
    # window edges
    ("well before the window", RX, S, date(2026, 3, 20), None),
    ("day before the window opens", RX, S, date(2026, 3, 27), None),
    ("window opens: due minus before days", RX, S, date(2026, 3, 28), DUE),
    ("inside the due window", RX, S, date(2026, 3, 30), DUE),
    ("due today", RX, S, date(2026, 3, 31), DUE),
    ("first day past due", RX, S, date(2026, 4, 1), PAST),
    ("inside the past-due window", RX, S, date(2026, 4, 4), PAST),
    ("last past-due day: due plus after days", RX, S, date(2026, 4, 7), PAST),
    ("day after the past-due window", RX, S, date(2026, 4, 8), None),
    ("long past due", RX, S, date(2026, 6, 1), None),
    # settings switches
    ("due reminders off", RX, settings(when_due=False), date(2026, 3, 31), None),
    ("past-due reminders off", RX, settings(when_past_due=False), date(2026, 4, 2), None),
    ("both off", RX, settings(when_due=False, when_past_due=False), date(2026, 3, 30), None),
    ("before days 0: only on the due date", RX, settings(before_days=0), date(2026, 3, 30), None),
    ("before days 0, due today", RX, settings(before_days=0), date(2026, 3, 31), DUE),
    ("after days 0: never past due", RX, settings(after_days=0), date(2026, 4, 1), None),
    ("after days 30", RX, settings(after_days=30), date(2026, 4, 30), PAST),
    ("after days 30, one day later", RX, settings(after_days=30), date(2026, 5, 1), None),
    ("before days 10", RX, settings(before_days=10), date(2026, 3, 21), DUE),
    ("before days 10, one day earlier", RX, settings(before_days=10), date(2026, 3, 20), None),
    # drug classes
    ("non-maintenance, not sent", rx(maintenance=False), S, date(2026, 3, 31), None),
    (
        "non-maintenance, sent",
        rx(maintenance=False),
        settings(non_maintenance=True),
        date(2026, 3, 31),
        DUE,
    ),
    ("C2, not sent", rx(dea_schedule=2), S, date(2026, 3, 31), None),
    ("C2, sent", rx(dea_schedule=2), settings(c2_drugs=True), date(2026, 3, 31), DUE),
    (
        "C2 with controls on but C2 off",
        rx(dea_schedule=2),
        settings(control_drugs=True),
        date(2026, 3, 31),
        None,
    ),
    ("C3, not sent", rx(dea_schedule=3), S, date(2026, 3, 31), None),
    ("C3, sent", rx(dea_schedule=3), settings(control_drugs=True), date(2026, 3, 31), DUE),
    ("C4, sent", rx(dea_schedule=4), settings(control_drugs=True), date(2026, 4, 2), PAST),
    (
        "C5 with C2 on but controls off",
        rx(dea_schedule=5),
        settings(c2_drugs=True),
        date(2026, 3, 31),
        None,
    ),
    ("C5, sent", rx(dea_schedule=5), settings(control_drugs=True), date(2026, 3, 31), DUE),
    (
        "non-maintenance C3, both allowed",
        rx(maintenance=False, dea_schedule=3),
        settings(non_maintenance=True, control_drugs=True),
        date(2026, 3, 31),
        DUE,
    ),
    (
        "non-maintenance C3, only controls allowed",
        rx(maintenance=False, dea_schedule=3),
        settings(control_drugs=True),
        date(2026, 3, 31),
        None,
    ),
    # the prescription itself
    ("no refills left", rx(refills_remaining=0), S, date(2026, 3, 31), None),
    ("one refill left", rx(refills_remaining=1), S, date(2026, 3, 31), DUE),
    ("inactive", rx(active=False), S, date(2026, 3, 31), None),
    ("90-day supply", rx(days_supply=90), S, date(2026, 5, 27), DUE),
    ("7-day supply past due", rx(days_supply=7), S, date(2026, 3, 9), PAST),
    # leap years
    (
        "due on 29 February in a leap year",
        rx(last_fill_date=date(2028, 1, 30), days_supply=30),
        S,
        date(2028, 2, 29),
        DUE,
    ),
    (
        "window across 29 February",
        rx(last_fill_date=date(2028, 2, 1), days_supply=30),
        S,
        date(2028, 2, 29),
        DUE,
    ),
    (
        "past due across 29 February",
        rx(last_fill_date=date(2028, 1, 29), days_supply=30),
        S,
        date(2028, 3, 6),
        PAST,
    ),
    (
        "common year: due 1 March",
        rx(last_fill_date=date(2027, 1, 30), days_supply=30),
        S,
        date(2027, 3, 1),
        DUE,
    ),
    # a refill resets the cycle
    (
        "refilled yesterday: next cycle far off",
        rx(last_fill_date=date(2026, 3, 30)),
        S,
        date(2026, 3, 31),
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "facts", "rules", "today", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_refill_reminder(
    case: str, facts: RxFacts, rules: RefillSettings, today: date, expected: ReminderKind | None
) -> None:
    assert refill_reminder(facts, rules, today) is expected, case


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40


def test_one_key_per_cycle_and_kind() -> None:
    key = refill_dedupe_key("MAIN", "1042", DUE, RX, SMS)
    assert key == "MAIN:refill:1042:2026-03-01:due:sms"
    assert key != refill_dedupe_key("MAIN", "1042", PAST, RX, SMS)
    assert key != refill_dedupe_key("MAIN", "1042", DUE, RX, Channel.EMAIL)
    refilled = rx(last_fill_date=date(2026, 3, 31))
    assert key != refill_dedupe_key("MAIN", "1042", DUE, refilled, SMS)
    # every day of one window yields the same key: re-runs and caught-up days never double
    keys = {
        refill_dedupe_key("MAIN", "1042", DUE, RX, SMS)
        for day in range(28, 32)
        if refill_reminder(RX, S, date(2026, 3, day))
    }
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("dob", "today", "expected"),
    [
        (date(1960, 2, 29), date(2027, 2, 28), True),  # common year: kept on 28 February
        (date(1960, 2, 29), date(2027, 3, 1), False),
        (date(1960, 2, 29), date(2028, 2, 29), True),
        (date(1960, 2, 29), date(2028, 2, 28), False),  # leap year: the real day only
        (date(1985, 7, 4), date(2026, 7, 4), True),
        (date(1985, 7, 4), date(2026, 7, 5), False),
        (None, date(2026, 7, 4), False),
    ],
)
def test_birthdays(dob: date | None, today: date, expected: bool) -> None:
    assert is_birthday(dob, today) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (
            datetime(2026, 3, 8, 4, 59, tzinfo=UTC),
            date(2026, 3, 7),
        ),  # 23:59 EST, the night clocks spring forward
        (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), date(2026, 3, 8)),
        (
            datetime(2026, 11, 1, 3, 59, tzinfo=UTC),
            date(2026, 10, 31),
        ),  # 23:59 EDT before falling back
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), date(2026, 11, 1)),
        (datetime(2026, 11, 2, 4, 59, tzinfo=UTC), date(2026, 11, 1)),  # 23:59 EST after it
    ],
)
def test_today_at_the_store_across_dst(instant: datetime, expected: date) -> None:
    assert Clock(instant).today(ZoneInfo("America/New_York")) == expected
