"""The current consent of a patient, derived from the consent ledger (latest row wins)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, ConsentSource
from rxmsg_tui.storage.models import Consent


@dataclass(frozen=True)
class ConsentState:
    granted: frozenset[tuple[Channel, ConsentPurpose]]
    sms_opted_out: bool
    """The latest SMS row is a revocation by text keyword (STOP)."""


def consent_state(session: Session, patient_pk: int) -> ConsentState:
    rows = session.exec(
        select(Consent)
        .where(Consent.patient_id == patient_pk)
        .order_by(col(Consent.recorded_at), col(Consent.id))
    )
    latest: dict[tuple[str, str], Consent] = {}
    for row in rows:
        latest[(row.channel, row.purpose)] = row
    granted = frozenset(
        (Channel(channel), ConsentPurpose(purpose))
        for (channel, purpose), row in latest.items()
        if row.granted
    )
    sms_rows = [r for (channel, _), r in latest.items() if channel == Channel.SMS.value]
    newest_sms = max(sms_rows, key=lambda r: (r.recorded_at, r.id or 0), default=None)
    opted_out = (
        newest_sms is not None
        and not newest_sms.granted
        and newest_sms.source == ConsentSource.SMS_KEYWORD.value
    )
    return ConsentState(granted, opted_out)
