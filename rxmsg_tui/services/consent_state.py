"""The current consent of patients, read from the consent ledger (latest row wins)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from rxmsg_tui.domain.consent_ledger import NO_CONSENT, ConsentState, fold_ledger
from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.models import Consent

__all__ = ["NO_CONSENT", "ConsentState", "consent_state", "consent_states"]

_LEDGER_COLUMNS = ("patient_id", "channel", "purpose", "granted", "source", "recorded_at")
"""In the order `fold_ledger` reads them."""


def consent_state(session: Session, patient_pk: int) -> ConsentState:
    return consent_states(session, [patient_pk]).get(patient_pk, NO_CONSENT)


def consent_states(session: Session, patient_pks: Collection[int]) -> dict[int, ConsentState]:
    """The current consent of a few patients (a dispatch batch) in one query."""
    ledger = table(Consent)
    rows: Any = session.connection().execute(
        select(*(ledger.c[name] for name in _LEDGER_COLUMNS))
        .where(ledger.c.patient_id.in_(list(patient_pks)))
        .order_by(ledger.c.patient_id, ledger.c.recorded_at, ledger.c.id)
    )
    return fold_ledger(rows)
