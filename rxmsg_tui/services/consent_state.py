"""The current consent of patients, read from `consent_current` (latest ledger row wins).

The database keeps `consent_current` equal to the newest ledger row per
patient, channel and purpose (migration 0008). Those rows, read in ledger
order, fold to the same state as the whole ledger: the newest SMS row of any
purpose is the newest of the per-purpose rows, so `fold_ledger` stays the one
statement of the rule and a dispatch batch reads two or three rows a patient.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from rxmsg_tui.domain.consent_ledger import NO_CONSENT, ConsentState, fold_ledger
from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.models import ConsentCurrent
from rxmsg_tui.storage.models.patient import ANY_PURPOSE

__all__ = ["NO_CONSENT", "ConsentState", "consent_state", "consent_states"]

_LEDGER_COLUMNS = ("patient_id", "channel", "purpose", "granted", "source", "recorded_at")
"""In the order `fold_ledger` reads them."""


def consent_state(session: Session, patient_pk: int) -> ConsentState:
    return consent_states(session, [patient_pk]).get(patient_pk, NO_CONSENT)


def consent_states(session: Session, patient_pks: Collection[int]) -> dict[int, ConsentState]:
    """The current consent of a few patients (a dispatch batch) in one query."""
    current = table(ConsentCurrent)
    rows: Any = session.connection().execute(
        select(*(current.c[name] for name in _LEDGER_COLUMNS))
        .where(current.c.patient_id.in_(list(patient_pks)), current.c.purpose != ANY_PURPOSE)
        .order_by(current.c.patient_id, current.c.recorded_at, current.c.ledger_id)
    )
    return fold_ledger(rows)
