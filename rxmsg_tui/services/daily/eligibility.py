"""DESIGN.md §4's channel rules as SQL conditions on a patient row.

The same rules as `domain.eligibility.decide` and `services.consent_state`,
written for a whole table at once: the store's channels ∩ the patient's
preference for the alert, current consent for the purpose (the latest ledger
row, as `consent_current` keeps it), no SMS after STOP, an address, and a
verified one when "Send Only to Verified" is on. Patients who fail get no row
at all (`tests/test_daily_*` compares these conditions with the per-patient
Python rules).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Join, and_, exists, false, true
from sqlalchemy.sql import ColumnElement, FromClause

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, ConsentSource
from rxmsg_tui.services.daily.sql import CURRENT, PATIENT, PREFS
from rxmsg_tui.storage.models.patient import ANY_PURPOSE


def with_preference(source: FromClause, alert: str, channel: Channel) -> Join:
    """Join the patient's preference row for `alert` that has `channel` switched on."""
    return source.join(
        PREFS,
        and_(
            PREFS.c.patient_id == PATIENT.c.id,
            PREFS.c.alert == alert,
            PREFS.c[channel.value] == true(),
        ),
    )


def recipient(channel: Channel) -> ColumnElement[Any]:
    return PATIENT.c.email if channel is Channel.EMAIL else PATIENT.c.cell_phone


def may_receive(
    channel: Channel, purpose: ConsentPurpose, *, only_verified: bool
) -> list[ColumnElement[bool]]:
    """Conditions on `PATIENT` for one channel and purpose."""
    conditions = [_has_address(channel), consent_granted(channel, purpose)]
    if channel is Channel.SMS:
        conditions.append(~opted_out_by_text())
    if only_verified:
        flag = PATIENT.c.email_verified if channel is Channel.EMAIL else PATIENT.c.cell_verified
        conditions.append(flag == true())
    return conditions


def consent_granted(channel: Channel, purpose: ConsentPurpose) -> ColumnElement[bool]:
    """The consent that holds now for (patient, channel, purpose) is a grant.

    One primary-key lookup in `consent_current`, which the database keeps equal
    to the newest ledger row (`domain.consent_ledger.fold_ledger`).
    """
    return exists().where(
        CURRENT.c.patient_id == PATIENT.c.id,
        CURRENT.c.channel == channel.value,
        CURRENT.c.purpose == purpose.value,
        CURRENT.c.granted == true(),
    )


def opted_out_by_text() -> ColumnElement[bool]:
    """The newest SMS consent row of any purpose is a STOP keyword (`Opted Out`)."""
    return exists().where(
        CURRENT.c.patient_id == PATIENT.c.id,
        CURRENT.c.channel == Channel.SMS.value,
        CURRENT.c.purpose == ANY_PURPOSE,
        CURRENT.c.granted == false(),
        CURRENT.c.source == ConsentSource.SMS_KEYWORD.value,
    )


def _has_address(channel: Channel) -> ColumnElement[bool]:
    """Imports store valid numbers as E.164 (`+…`) and keep invalid ones as given."""
    if channel is Channel.EMAIL:
        return PATIENT.c.email.like("%@%")
    return PATIENT.c.cell_phone.like("+%")
