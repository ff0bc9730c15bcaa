"""Consent from an import, appended to the ledger only where it changes the current state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from rxmsg_tui.domain.settings_keys import CHANNELS
from rxmsg_tui.domain.vocabulary import ConsentPurpose, ConsentSource
from rxmsg_tui.services.importing.bulk import batches, insert_rows, table
from rxmsg_tui.storage.models import Consent

LOOKUP_BATCH = 2000

Key = tuple[int, str, str]
"""(patient.id, channel, purpose)"""


@dataclass(frozen=True, slots=True)
class Wanted:
    patient: int
    line: int
    transactional: bool
    marketing: bool | None


@dataclass(frozen=True, slots=True)
class Current:
    granted: bool
    source: str


@dataclass
class ConsentOutcome:
    recorded: int = 0
    kept_revoked: int = 0


def apply_consent(
    conn: Connection,
    wanted: Sequence[Wanted],
    *,
    store_id: int,
    known: set[int],
    evidence: str,
    username: str,
    now: datetime,
) -> ConsentOutcome:
    """Append the grants and revocations that change something; `known` patients have history.

    The current state per patient, channel and purpose is the latest ledger row
    (none means not granted). A grant in the file does not override a revocation
    the patient made directly (signature pad, verbal, STOP by text): a pharmacy
    system's stale `Y` must not undo an opt-out recorded since.
    """
    outcome = ConsentOutcome()
    ledger = table(Consent)
    for batch in batches(wanted, LOOKUP_BATCH):
        current = _current(conn, [w.patient for w in batch if w.patient in known])
        rows: list[dict[str, Any]] = []
        for item in batch:
            for key, granted in _desired(item):
                state = current.get(key)
                if granted == (state is not None and state.granted):
                    continue
                if granted and state is not None and state.source != ConsentSource.IMPORT:
                    outcome.kept_revoked += 1
                    continue
                rows.append(
                    {
                        "store_id": store_id,
                        "patient_id": key[0],
                        "channel": key[1],
                        "purpose": key[2],
                        "granted": granted,
                        "source": ConsentSource.IMPORT.value,
                        "wording_version": "",
                        "evidence": f"{evidence}:{item.line}"[-128:],
                        "username": username,
                        "recorded_at": now,
                    }
                )
        insert_rows(conn, ledger, rows)  # per batch: a whole store's ledger rows as dicts is GBs
        outcome.recorded += len(rows)
    return outcome


def _desired(item: Wanted) -> Iterable[tuple[Key, bool]]:
    for channel in CHANNELS:
        yield (item.patient, channel, ConsentPurpose.TRANSACTIONAL.value), item.transactional
        if item.marketing is not None:
            yield (item.patient, channel, ConsentPurpose.MARKETING.value), item.marketing


def _current(conn: Connection, patients: list[int]) -> dict[Key, Current]:
    """The latest ledger row per patient, channel and purpose (ties broken by id).

    Read in ledger order and kept last-wins: a patient has a handful of rows, and
    the lookup by `patient_id` alone uses `ix_consent_current` (adding `store_id`
    made SQLite scan the whole store's ledger for every batch).
    """
    if not patients:
        return {}
    consent = table(Consent)
    query = (
        select(
            consent.c.patient_id,
            consent.c.channel,
            consent.c.purpose,
            consent.c.granted,
            consent.c.source,
        )
        .where(consent.c.patient_id.in_(patients))
        .order_by(
            consent.c.patient_id,
            consent.c.channel,
            consent.c.purpose,
            consent.c.recorded_at,
            consent.c.id,
        )
    )
    return {
        (patient, channel, purpose): Current(bool(granted), source)
        for patient, channel, purpose, granted, source in conn.execute(query)
    }
