"""The current consent of a patient, derived from the consent ledger (latest row wins)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, col, select

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, ConsentSource
from rxmsg_tui.storage.models import Consent


@dataclass(frozen=True)
class ConsentState:
    granted: frozenset[tuple[Channel, ConsentPurpose]]
    sms_opted_out: bool
    """The latest SMS row is a revocation by text keyword (STOP)."""


NO_CONSENT = ConsentState(frozenset(), sms_opted_out=False)


def consent_state(session: Session, patient_pk: int) -> ConsentState:
    return consent_states(session, [patient_pk]).get(patient_pk, NO_CONSENT)


def consent_states(session: Session, patient_pks: Collection[int]) -> dict[int, ConsentState]:
    """The current consent of a few patients (a dispatch batch) in one query."""
    rows = session.exec(
        select(Consent)
        .where(col(Consent.patient_id).in_(list(patient_pks)))
        .order_by(col(Consent.patient_id), col(Consent.recorded_at), col(Consent.id))
    )
    latest: dict[int, dict[tuple[str, str], Consent]] = {}
    for row in rows:
        latest.setdefault(row.patient_id, {})[(row.channel, row.purpose)] = row
    return {pk: _state(rows_now) for pk, rows_now in latest.items()}


def _state(latest: dict[tuple[str, str], Consent]) -> ConsentState:
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
