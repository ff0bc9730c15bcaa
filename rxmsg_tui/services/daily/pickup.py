"""After the pickup event rules: follow-up reminders and the customer review resend.

The first "ready for pickup" message and the review request go out when the
event is recorded (`services.rx_events`); what comes days later is the daily
process's: a follow-up after each configured day count while the Rx waits,
and one review resend N days after a review request that went out, unless a
newer one was asked for since.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select, true
from sqlalchemy.sql import ColumnElement

from rxmsg_tui.domain.vocabulary import (
    AlertType,
    Channel,
    ConsentPurpose,
    Entity,
    QueueStatus,
    RxEventKind,
)
from rxmsg_tui.services.daily.columns import for_patient, for_prescription
from rxmsg_tui.services.daily.eligibility import may_receive, with_preference
from rxmsg_tui.services.daily.insert import Candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.sql import DRUG, MESSAGE, PATIENT, RX, RX_EVENT, iso_to_us
from rxmsg_tui.services.dedupe_keys import KeyPart, dedupe_key_sql, key_prefix
from rxmsg_tui.storage.queries import concat


def followup_candidates(plan: DayPlan, channel: Channel, days: int) -> Candidates:
    """Follow-up number `days`, for Rxs ready `days` days ago and not picked up.

    When downtime skipped several follow-ups only the latest that is due is
    sent: a patient gets one reminder, not a burst.
    """
    later = [n for n in plan.settings.pickup_followup_days if n > days]
    trigger = RxEventKind(plan.settings.pickup_trigger.replace("_", "-"))
    ready = (
        select(
            RX_EVENT.c.prescription_id,
            RX_EVENT.c.fill_date,
            func.min(RX_EVENT.c.occurred_at).label("ready_at"),
        )
        .where(RX_EVENT.c.store_id == plan.store_id, RX_EVENT.c.kind == trigger.value)
        .group_by(RX_EVENT.c.prescription_id, RX_EVENT.c.fill_date)
        .subquery("ready")
    )
    window: list[ColumnElement[bool]] = [
        ready.c.ready_at >= plan.start_of(plan.since - timedelta(days=days)),
        ready.c.ready_at < plan.start_of(plan.day - timedelta(days=days - 1)),
    ]
    if later:
        window.append(ready.c.ready_at >= plan.start_of(plan.day - timedelta(days=min(later) - 1)))
    source = with_preference(
        RX.join(
            ready,
            and_(ready.c.prescription_id == RX.c.id, ready.c.fill_date == RX.c.last_fill_date),
        )
        .join(DRUG, DRUG.c.id == RX.c.drug_id)
        .join(PATIENT, PATIENT.c.id == RX.c.patient_id),
        "pickup",
        channel,
    )
    subject: list[ColumnElement[Any] | str] = [
        RX.c.rx_number,
        plan.dialect.iso_date(RX.c.last_fill_date),
        str(days),
    ]
    rows = (
        select(
            *for_prescription(channel, plan.dialect),
            dedupe_key_sql(plan.store_code, KeyPart.PICKUP_FOLLOWUP, subject, channel),
        )
        .select_from(source)
        .where(
            RX.c.store_id == plan.store_id,
            RX.c.active == true(),
            *window,
            ~_picked_up(),
            *may_receive(
                channel, ConsentPurpose.TRANSACTIONAL, only_verified=plan.settings.only_verified
            ),
        )
    )
    return Candidates(AlertType.READY_FOR_PICKUP, channel.method, Entity.PRESCRIPTION, rows)


def review_resend_candidates(plan: DayPlan, channel: Channel) -> Candidates | None:
    after = plan.settings.review_resend_after_days
    if after <= 0:
        return None
    asked = MESSAGE.alias("asked")
    newer = MESSAGE.alias("newer_review")
    prefix = key_prefix(plan.store_code, KeyPart.REVIEW)
    original = asked.c.dedupe_key
    # `store:review:PATIENT:YYYY-MM-DD:channel`: the pickup date sits before the channel.
    pickup_iso = func.substr(original, func.length(original) - len(channel.value) - 10, 10)
    resend_key = concat(
        key_prefix(plan.store_code, KeyPart.REVIEW_RESEND),
        func.substr(original, len(prefix) + 1),
    ).label("dedupe_key")
    source = with_preference(
        asked.join(PATIENT, PATIENT.c.id == asked.c.patient_id), "review", channel
    )
    rows = (
        select(*for_patient(channel), resend_key, iso_to_us(pickup_iso).label("pickup_date"))
        .select_from(source)
        .where(
            asked.c.store_id == plan.store_id,
            asked.c.alert_type == AlertType.CUSTOMER_REVIEW.value,
            asked.c.method == channel.method.value,
            original.like(prefix + "%"),
            asked.c.status.in_((QueueStatus.SENT.value, QueueStatus.DELIVERED.value)),
            asked.c.created_at >= plan.start_of(plan.since - timedelta(days=after)),
            asked.c.created_at < plan.start_of(plan.day - timedelta(days=after - 1)),
            ~exists().where(
                newer.c.patient_id == asked.c.patient_id,
                newer.c.alert_type == AlertType.CUSTOMER_REVIEW.value,
                newer.c.created_at > asked.c.created_at,
            ),
            *may_receive(
                channel, ConsentPurpose.MARKETING, only_verified=plan.settings.only_verified
            ),
        )
    )
    return Candidates(AlertType.CUSTOMER_REVIEW, channel.method, Entity.PATIENT, rows)


def _picked_up() -> ColumnElement[bool]:
    picked = RX_EVENT.alias("picked")
    return exists().where(
        picked.c.prescription_id == RX.c.id,
        picked.c.fill_date == RX.c.last_fill_date,
        picked.c.kind == RxEventKind.PICKED_UP.value,
    )
