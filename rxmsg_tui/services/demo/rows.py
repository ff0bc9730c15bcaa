"""Turns generated patients into the row dicts the writer inserts, encoded for the database.

Rows leave here with every value already as the driver wants it (dates as
ISO text on SQLite, UTC instants as the storage type stores them), converted
once per distinct value with the columns' own bind processors: that per-row
conversion is most of what makes Core `executemany` 2.4× slower than raw
(PERF.md), and a million prescriptions carry only a few hundred dates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Dialect, Table

from rxmsg_tui.services.demo.generator import WORDING_VERSION, ConsentSpec, PatientBatch, RxSpec
from rxmsg_tui.storage.models import Consent, Patient, Prescription

PATIENTS: Table = Patient.__table__  # type: ignore[attr-defined]
PRESCRIPTIONS: Table = Prescription.__table__  # type: ignore[attr-defined]
CONSENTS: Table = Consent.__table__  # type: ignore[attr-defined]

Row = dict[str, Any]


@dataclass
class PreparedBatch:
    """Rows ready to insert; prescriptions and consent name their patient by `patient_key`."""

    patients: list[Row] = field(default_factory=list)
    prescriptions: list[Row] = field(default_factory=list)
    consents: list[Row] = field(default_factory=list)


class RowEncoder:
    """A table's bind processors, each distinct value converted once."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self._convert: dict[str, Callable[[Any], Any]] = {}
        for column in table.columns:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._convert[column.name] = functools.cache(process)

    def value(self, column: str, value: Any) -> Any:
        convert = self._convert.get(column)
        return value if convert is None else convert(value)

    def encode(self, rows: list[Row]) -> list[Row]:
        """Convert `rows` in place."""
        for name, convert in self._convert.items():
            for row in rows:
                if name in row:
                    row[name] = convert(row[name])
        return rows


class Preparer:
    """Makes one run's rows: the store, today's calendar, the run's time and user."""

    def __init__(
        self, dialect: Dialect, *, store_id: int, today: date, now: datetime, username: str
    ) -> None:
        self._store_id = store_id
        self._today = today
        self._now = now
        self._username = username
        self._patients = RowEncoder(PATIENTS, dialect)
        self._rx = RowEncoder(PRESCRIPTIONS, dialect)
        self._consents = RowEncoder(CONSENTS, dialect)

    def prepare(self, batch: PatientBatch) -> PreparedBatch:
        now = self._now
        for patient in batch.patients:
            # Present when the demo starts messaging: not new, so no Welcome to them all.
            patient.update(store_id=self._store_id, created_at=now, updated_at=now, is_new=False)
        return PreparedBatch(
            self._patients.encode(batch.patients),
            self._prescriptions(batch.prescriptions),
            self._consent_rows(batch.consents),
        )

    def _prescriptions(self, specs: list[RxSpec]) -> list[Row]:
        """A million rows share a few hundred dates: each is computed and encoded once."""
        enc = self._rx.value
        day = functools.cache(lambda offset: enc("due_date", self._today + timedelta(offset)))
        flag = {True: enc("active", True), False: enc("active", False)}
        store_id, updated_at = self._store_id, enc("updated_at", self._now)
        return [
            {
                "store_id": store_id,
                "rx_number": number,
                "patient_key": key,
                "drug_key": ndc,
                "days_supply": days,
                # due = last fill + days supply, as the daily job reads it.
                "last_fill_date": day(due_in - days),
                "due_date": day(due_in),
                "refills_remaining": refills,
                "active": flag[active],
                "updated_at": updated_at,
            }
            for key, number, ndc, days, due_in, refills, active in specs
        ]

    def _consent_rows(self, specs: list[ConsentSpec]) -> list[Row]:
        enc = self._consents.value
        at = functools.cache(lambda days: enc("recorded_at", self._now - timedelta(days)))
        flag = {True: enc("granted", True), False: enc("granted", False)}
        return [
            {
                "store_id": self._store_id,
                "patient_key": key,
                "channel": channel,
                "purpose": purpose,
                "granted": flag[granted],
                "source": source,
                "wording_version": WORDING_VERSION,
                "evidence": "",
                "username": self._username,
                "recorded_at": at(days_ago),
            }
            for key, channel, purpose, granted, source, days_ago in specs
        ]
