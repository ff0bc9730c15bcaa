"""The refill reminder rule in its plainest form: the oracle the daily process's SQL is held to.

Due date = last fill + days supply. "Due" reminders go while today is within
[due − before_days, due]; "past due" reminders while today is within
(due, due + after_days]. Inactive prescriptions, those without refills,
non-maintenance drugs (unless the store sends for them) and controlled drugs
(C3–C5 and C2, each as the settings say) get none. One reminder per
prescription, fill cycle and kind: the dedupe key names the cycle by its last
fill date, so a re-run, an overlapping run or a caught-up day never sends twice.

The daily process applies the same rule in set-based SQL
(`services/daily/refill.py`); `test_refill_rules.py` pins this oracle at every
edge and `test_daily_matches_rules.py` holds the SQL to it on random cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rxmsg_tui.domain.refill_rules import ReminderKind, birthday_on
from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.services.dedupe_keys import KeyPart, dedupe_key


@dataclass(frozen=True)
class RefillSettings:
    when_due: bool = True
    when_past_due: bool = True
    before_days: int = 3
    after_days: int = 7
    non_maintenance: bool = False
    control_drugs: bool = False
    c2_drugs: bool = False


@dataclass(frozen=True)
class RxFacts:
    last_fill_date: date
    days_supply: int
    refills_remaining: int
    active: bool = True
    maintenance: bool = True
    dea_schedule: int = 0

    @property
    def due_date(self) -> date:
        return self.last_fill_date + timedelta(days=self.days_supply)


def drug_allowed(rx: RxFacts, settings: RefillSettings) -> bool:
    """The drug-class rules of Alert Settings."""
    if not rx.maintenance and not settings.non_maintenance:
        return False
    if rx.dea_schedule == 2:
        return settings.c2_drugs
    if rx.dea_schedule in (3, 4, 5):
        return settings.control_drugs
    return True


def refill_reminder(rx: RxFacts, settings: RefillSettings, today: date) -> ReminderKind | None:
    """The reminder this prescription gets today, if any."""
    if not rx.active or rx.refills_remaining <= 0 or not drug_allowed(rx, settings):
        return None
    due = rx.due_date
    if settings.when_due and due - timedelta(days=settings.before_days) <= today <= due:
        return ReminderKind.DUE
    if settings.when_past_due and due < today <= due + timedelta(days=settings.after_days):
        return ReminderKind.PAST_DUE
    return None


def refill_dedupe_key(
    store_code: str, rx_number: str, kind: ReminderKind, rx: RxFacts, channel: Channel
) -> str:
    """One key per prescription, fill cycle, kind and channel (the cycle is its last fill date)."""
    subject = (rx_number, rx.last_fill_date.isoformat(), kind.value)
    return dedupe_key(store_code, KeyPart.REFILL, subject, channel)


def is_birthday(dob: date | None, today: date) -> bool:
    return dob is not None and birthday_on(dob, today.year) == today
