"""Birthday and welcome greetings: patient rules, no prescription involved.

Birthday: once a year on the birthday; 29 February is kept on 28 February in
common years (`domain.refill_rules.birthday_on`). Welcome: once per patient,
when they join: a new patient or a new consent within the days covered, or
only a consent given on the signature pad when the store applies its defaults
then (`defaults.apply_on`). Go-live (DESIGN.md §4): patients present when the
store started messaging are not new (`patient.is_new`), and neither the
consent an import copies from the pharmacy system nor one recorded on the
go-live day is a joining for them: only a consent given in the pharmacy (or
by text) after that day welcomes an existing patient.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, true, union
from sqlalchemy.sql import ColumnElement

from rxmsg_tui.domain.refill_rules import birthday_on
from rxmsg_tui.domain.vocabulary import AlertType, Channel, ConsentPurpose, ConsentSource, Entity
from rxmsg_tui.services.daily.columns import for_patient
from rxmsg_tui.services.daily.eligibility import may_receive, with_preference
from rxmsg_tui.services.daily.insert import Candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.sql import CONSENT, PATIENT
from rxmsg_tui.services.dedupe_keys import KeyPart, dedupe_key_sql

MAX_BIRTH_DATES = 5_000
"""Past this many dates to look up (birth years far apart), the patients are read instead."""


def birthday_candidates(plan: DayPlan, channel: Channel, year: int) -> Candidates | None:
    """The birthdays kept on the covered days of `year` (a catch-up may span New Year)."""
    days = [d for d in plan.days() if d.year == year]
    if not days or plan.birth_years is None:
        return None  # no patient has a date of birth
    kept = sorted({_month_day(d) for d in days} | {"02-29" for d in days if _keeps_leap_day(d)})
    rows = (
        select(
            *for_patient(channel),
            dedupe_key_sql(
                plan.store_code, KeyPart.BIRTHDAY, [PATIENT.c.patient_id, str(year)], channel
            ),
        )
        .select_from(with_preference(PATIENT, "birthday", channel))
        .where(
            PATIENT.c.store_id == plan.store_id,
            _born_on(plan, kept),
            *may_receive(
                channel, ConsentPurpose.MARKETING, only_verified=plan.settings.only_verified
            ),
        )
    )
    return Candidates(AlertType.BIRTHDAY, channel.method, Entity.PATIENT, rows)


def birth_years(conn: Connection, store_id: int) -> tuple[int, int] | None:
    """The earliest and latest birth year among the store's patients (two index lookups)."""
    born = select(PATIENT.c.dob).where(PATIENT.c.store_id == store_id)
    first = born.with_only_columns(func.min(PATIENT.c.dob)).scalar_subquery()
    last = born.with_only_columns(func.max(PATIENT.c.dob)).scalar_subquery()
    found = conn.execute(select(first, last)).one()
    if found[0] is None or found[1] is None:
        return None
    return found[0].year, found[1].year


def _born_on(plan: DayPlan, month_days: list[str]) -> ColumnElement[bool]:
    """Born on one of `month_days` ("MM-DD") in any year.

    Spelled as the dates themselves, one per birth year the store has, so
    `ix_patient_store_dob` finds them by equality; read patient by patient only
    when the years span so far that the list would be too long.
    """
    assert plan.birth_years is not None
    first, last = plan.birth_years
    dates = list(_dates(month_days, range(first, last + 1)))
    if len(dates) > MAX_BIRTH_DATES:
        return and_(
            PATIENT.c.dob.is_not(None), plan.dialect.month_day(PATIENT.c.dob).in_(month_days)
        )
    return PATIENT.c.dob.in_(dates)


def _dates(month_days: list[str], years: Iterable[int]) -> Iterable[date]:
    """Every real date with one of `month_days` in `years` (29 February in leap years only)."""
    pairs = [(int(md[:2]), int(md[3:])) for md in month_days]
    for year in years:
        for month, day in pairs:
            try:
                yield date(year, month, day)
            except ValueError:
                continue


def welcome_candidates(plan: DayPlan, channel: Channel) -> Candidates:
    first = plan.since if plan.go_live is None else max(plan.since, plan.go_live)
    start, end = plan.start_of(first), plan.start_of(plan.day + timedelta(days=1))
    rows = (
        select(
            *for_patient(channel),
            dedupe_key_sql(plan.store_code, KeyPart.WELCOME, [PATIENT.c.patient_id], channel),
        )
        .select_from(with_preference(PATIENT, "welcome", channel))
        .where(
            PATIENT.c.store_id == plan.store_id,
            _joined(plan, start, end),
            *may_receive(
                channel, ConsentPurpose.TRANSACTIONAL, only_verified=plan.settings.only_verified
            ),
        )
    )
    return Candidates(AlertType.WELCOME, channel.method, Entity.PATIENT, rows)


def _joined(plan: DayPlan, start: datetime, end: datetime) -> ColumnElement[bool]:
    """The patient joined within [start, end): was added, or consented (on the sigpad).

    Driven from the two small sets of the day (indexes on when patients were
    added and consents recorded), not from every patient of the store.
    """
    consented = select(CONSENT.c.patient_id).where(
        CONSENT.c.store_id == plan.store_id,
        CONSENT.c.recorded_at >= start,
        CONSENT.c.recorded_at < end,
        CONSENT.c.granted == true(),
    )
    # A patient the store had at go-live joins only by consenting later, in the pharmacy.
    consented_since = consented.where(CONSENT.c.source != ConsentSource.IMPORT.value)
    if plan.go_live is not None:
        after = plan.start_of(plan.go_live + timedelta(days=1))
        consented_since = consented_since.where(CONSENT.c.recorded_at >= after)
    not_before_go_live = or_(PATIENT.c.is_new == true(), PATIENT.c.id.in_(consented_since))
    if plan.settings.defaults_apply_on == "sigpad_consent":
        on_sigpad = consented.where(CONSENT.c.source == ConsentSource.SIGPAD.value)
        return and_(PATIENT.c.id.in_(on_sigpad), not_before_go_live)
    added = select(PATIENT.c.id).where(
        PATIENT.c.store_id == plan.store_id,
        PATIENT.c.created_at >= start,
        PATIENT.c.created_at < end,
        PATIENT.c.is_new == true(),
    )
    return and_(PATIENT.c.id.in_(union(added, consented)), not_before_go_live)


def _month_day(day: date) -> str:
    return f"{day.month:02d}-{day.day:02d}"


def _keeps_leap_day(day: date) -> bool:
    """28 February of a common year also keeps the 29 February birthdays."""
    return day.month == 2 and day.day == 28 and birthday_on(date(2000, 2, 29), day.year) == day
