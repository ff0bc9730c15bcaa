"""Refill reminders, due and past due (DESIGN.md §4), for every prescription at once.

The rule in SQL (`tests/refill_oracle.py` states it plainly in Python, and a
test holds the two to the same answers): one range scan of `ix_rx_due` covers
both windows, and the kind is decided per row. The key names the fill cycle
by its last fill date, so every day of one window yields the same key and a
reminder is queued once per cycle and kind.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, select, true
from sqlalchemy.sql import ColumnElement

from rxmsg_tui.domain.refill_rules import ReminderKind
from rxmsg_tui.domain.vocabulary import AlertType, Channel, ConsentPurpose, Entity
from rxmsg_tui.services.daily.columns import for_prescription
from rxmsg_tui.services.daily.eligibility import may_receive, with_preference
from rxmsg_tui.services.daily.insert import Candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.sql import DRUG, PATIENT, RX
from rxmsg_tui.services.dedupe_keys import KeyPart, dedupe_key_sql


def refill_candidates(plan: DayPlan, channel: Channel) -> Candidates | None:
    """Today's reminders on one channel, or None when the settings send none."""
    s = plan.settings
    if not (s.refill_when_due or s.refill_when_past_due):
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
    source = with_preference(
        RX.join(DRUG, DRUG.c.id == RX.c.drug_id).join(PATIENT, PATIENT.c.id == RX.c.patient_id),
        "refill",
        channel,
    )
    subject = [RX.c.rx_number, plan.dialect.iso_date(RX.c.last_fill_date), kind]
    rows = (
        select(
            *for_prescription(channel, plan.dialect),
            dedupe_key_sql(plan.store_code, KeyPart.REFILL, subject, channel),
        )
        .select_from(source)
        .where(
            RX.c.store_id == plan.store_id,
            RX.c.due_date.between(low, high),
            RX.c.active == true(),
            RX.c.refills_remaining > 0,
            *_drug_rules(plan),
            *may_receive(channel, ConsentPurpose.TRANSACTIONAL, only_verified=s.only_verified),
        )
    )
    return Candidates(AlertType.REFILL_REMINDER, channel.method, Entity.PRESCRIPTION, rows)


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
