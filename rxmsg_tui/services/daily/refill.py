"""Refill reminders, due and past due (DESIGN.md §4), for every prescription at once.

The rule in SQL (`tests/refill_oracle.py` states it plainly in Python, and a
test holds the two to the same answers): one range scan of `ix_rx_due` covers
both windows, and the kind is decided per row. The key names the fill cycle
by its last fill date, so every day of one window yields the same key and a
reminder is queued once per cycle and kind.

The window is read once for every channel: `refill_window` writes the day's
prescriptions, with what each channel's reminder shows and whether the
patient may receive it on each channel, into a temporary table, and each
channel's INSERT…SELECT reads that table (`refill_candidates`). Reading
prescriptions, drugs, patients and preferences once instead of once per
channel is most of a reminder's cost.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    false,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from rxmsg_tui.domain.refill_rules import ReminderKind
from rxmsg_tui.domain.vocabulary import AlertType, Channel, ConsentPurpose, Entity
from rxmsg_tui.services.daily.columns import for_prescription
from rxmsg_tui.services.daily.eligibility import may_receive, recipient
from rxmsg_tui.services.daily.insert import Candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.sql import DRUG, PATIENT, PREFS, RX
from rxmsg_tui.services.dedupe_keys import SEPARATOR, KeyPart, key_prefix
from rxmsg_tui.storage.queries import concat

_SHOWN = (
    "patient_pk", "language", "patient_first_name", "patient_last_name", "patient_name",
    "prescription_id", "entity_name", "rx_number", "drug_name", "due_date", "refills_remaining",
)  # fmt: skip
"""What a reminder shows and names, the same on every channel."""
_CHANNELS = tuple(Channel)
"""The channels a patient's preferences can switch on for refill reminders: email, text and
call (a call reminder rings the cell, as a text does)."""

WINDOW = Table(
    "refill_window",
    MetaData(),
    Column("patient_pk", Integer),
    Column("language", String),
    Column("patient_first_name", String),
    Column("patient_last_name", String),
    Column("patient_name", String),
    Column("prescription_id", Integer),
    Column("entity_name", String),
    Column("rx_number", String),
    Column("drug_name", String),
    Column("due_date", String),
    Column("refills_remaining", String),
    Column("key_stem", String),
    *(Column(f"{c.value}_recipient", String) for c in _CHANNELS),
    *(Column(f"{c.value}_ok", Boolean) for c in _CHANNELS),
    prefixes=["TEMPORARY"],
)
"""The day's window, one row per prescription, for every channel (see `refill_window`)."""


def refill_candidates(plan: DayPlan, channel: Channel) -> Candidates | None:
    """Today's reminders on one channel, read from `WINDOW`, or None when the settings send none.

    The statement runs only where `refill_window` has filled the table.
    """
    s = plan.settings
    if not (s.refill_when_due or s.refill_when_past_due):
        return None
    rows = select(
        *(WINDOW.c[name] for name in _SHOWN),
        WINDOW.c[f"{channel.value}_recipient"].label("recipient"),
        concat(WINDOW.c.key_stem, channel.value).label("dedupe_key"),
    ).where(WINDOW.c[f"{channel.value}_ok"] == true())
    return Candidates(AlertType.REFILL_REMINDER, channel.method, Entity.PRESCRIPTION, rows)


@contextmanager
def refill_window(session: Session, plan: DayPlan) -> Iterator[None]:
    """`WINDOW` filled for the settings' channels within the session's transaction.

    A temporary table belongs to one connection, so every channel's writes must
    run in this same transaction (each in a savepoint of its own, so one that
    fails leaves the other queued). The table is dropped when they are done,
    and a rolled-back transaction takes its creation back with it.
    """
    channels = [c for c in _CHANNELS if c.value in plan.settings.refill_channels]
    window = _window(plan, channels)
    connection = session.connection()
    WINDOW.drop(connection, checkfirst=True)  # one left by a run cut short on this connection
    WINDOW.create(connection)
    if window is not None:
        connection.execute(insert(WINDOW).from_select([c.name for c in WINDOW.c], window))
    yield
    WINDOW.drop(connection)


def _window(plan: DayPlan, channels: Sequence[Channel]) -> Any:
    """The SELECT that fills `WINDOW`, or None when the settings send no reminders."""
    s = plan.settings
    if not (s.refill_when_due or s.refill_when_past_due) or not channels:
        return None
    today = plan.day
    # due − before ≤ today ≤ due  ⇔  today ≤ due ≤ today + before;
    # due < today ≤ due + after  ⇔  today − after ≤ due < today.
    low = today - timedelta(days=s.refill_after_days) if s.refill_when_past_due else today
    high = (
        today + timedelta(days=s.refill_before_days)
        if s.refill_when_due
        else (today - timedelta(days=1))
    )
    kind = case((RX.c.due_date >= today, ReminderKind.DUE.value), else_=ReminderKind.PAST_DUE.value)
    source = (
        RX.join(DRUG, DRUG.c.id == RX.c.drug_id)
        .join(PATIENT, PATIENT.c.id == RX.c.patient_id)
        .join(PREFS, and_(PREFS.c.patient_id == PATIENT.c.id, PREFS.c.alert == "refill"))
    )
    shown = {c.name: c for c in for_prescription(Channel.SMS, plan.dialect)}
    # The key as `dedupe_key_sql` writes it, up to the channel that ends it.
    stem = concat(
        key_prefix(plan.store_code, KeyPart.REFILL),
        RX.c.rx_number, SEPARATOR,
        plan.dialect.iso_date(RX.c.last_fill_date), SEPARATOR,
        kind, SEPARATOR,
    )  # fmt: skip
    wanted = {c: PREFS.c[c.value] == true() for c in channels}
    return (
        select(
            *(shown[name] for name in _SHOWN),
            stem.label("key_stem"),
            *(recipient(c).label(f"{c.value}_recipient") for c in _CHANNELS),
            *(_may_receive(plan, c, wanted.get(c)).label(f"{c.value}_ok") for c in _CHANNELS),
        )
        .select_from(source)
        .where(
            RX.c.store_id == plan.store_id,
            RX.c.due_date.between(low, high),
            RX.c.active == true(),
            RX.c.refills_remaining > 0,
            *_drug_rules(plan),
            or_(*wanted.values()),
        )
    )


def _may_receive(
    plan: DayPlan, channel: Channel, wanted: ColumnElement[bool] | None
) -> ColumnElement[bool]:
    """The patient wants reminders on the channel and may receive them there (False if not sent)."""
    if wanted is None:
        return false()
    rules = may_receive(
        channel, ConsentPurpose.TRANSACTIONAL, only_verified=plan.settings.only_verified
    )
    return and_(wanted, *rules)


def _drug_rules(plan: DayPlan) -> list[ColumnElement[bool]]:
    """Alert Settings' drug classes: maintenance only unless set, C3–C5 and C2 as set."""
    s = plan.settings
    rules: list[ColumnElement[Any]] = []
    if not s.refill_non_maintenance:
        rules.append(DRUG.c.maintenance == true())
    if not s.c2_drugs:
        rules.append(DRUG.c.dea_schedule != 2)
    if not s.control_drugs:
        rules.append(DRUG.c.dea_schedule.not_in((3, 4, 5)))
    return rules
