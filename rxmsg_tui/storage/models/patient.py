"""Patients, their per-alert channel preferences and the consent ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Field, SQLModel, col

from rxmsg_tui.storage.models.columns import store_fk, utc_column


def _patient_fk() -> Column[int]:
    return Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False)


class Patient(SQLModel, table=True):
    """A patient as the pharmacy system knows them; `patient_id` is that system's id.

    `cell_phone` holds E.164 when the number is valid; an invalid number entered
    elsewhere is kept as given so the queue can say `Invalid Address`.
    """

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    patient_id: str = Field(max_length=40)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    dob: date | None = None
    cell_phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    language: str = Field(default="en", max_length=5)
    cell_verified: bool = False
    email_verified: bool = False
    zip: str = Field(default="", max_length=16)
    is_new: bool = Field(
        default=True, description="False for patients present at go-live or imported as not new"
    )
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)

    __table_args__ = (
        UniqueConstraint("store_id", "patient_id", name="uq_patient_store_patient_id"),
        Index("ix_patient_store_name", "store_id", "last_name", "first_name", "id"),
        Index("ix_patient_store_created", "store_id", "created_at"),
        Index("ix_patient_store_zip", "store_id", "zip", "id"),
        Index("ix_patient_store_cell", "store_id", "cell_phone"),
        Index("ix_patient_store_dob", "store_id", "dob"),
    )


class last_four(FunctionElement[str]):  # noqa: N801  (reads as the SQL function it stands for)
    """The last four characters of a text: how staff read back a cell number.

    One spelling per database, the one its index was built on (migration
    0009): SQLite `substr(x, -4)`, PostgreSQL `right(x, 4)`. A query must
    say it exactly so for the planner to use `ix_patient_store_cell_last4`.
    """

    type = String()
    name = "last_four"
    inherit_cache = True


@compiles(last_four)
def _last_four_sqlite(element: last_four, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, -4)"


@compiles(last_four, "postgresql")
def _last_four_postgresql(element: last_four, compiler: SQLCompiler, **kw: Any) -> str:
    return f"right({compiler.process(element.clauses, **kw)}, 4)"


# Staff find a patient by the end of the cell ("555-0101", "0101"): equality on the last
# four characters, then the longer suffix checked on the cell the index also holds (so
# SQLite reads the index alone, and prefers it to ix_patient_store_cell without ANALYZE).
# Declared here, beside the table, because an index on an expression needs its columns.
Index(
    "ix_patient_store_cell_last4",
    col(Patient.store_id),
    last_four(col(Patient.cell_phone)),
    col(Patient.cell_phone),
)


class PatientMessagePrefs(SQLModel, table=True):
    """Which channels a patient wants for one alert (the Bell icon's settings)."""

    __tablename__ = "patient_message_prefs"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    patient_id: int = Field(sa_column=_patient_fk())
    alert: str = Field(max_length=32, description="settings short name: refill, pickup, …")
    email: bool = False
    sms: bool = False
    call: bool = False

    __table_args__ = (UniqueConstraint("patient_id", "alert", name="uq_prefs_patient_alert"),)


class Consent(SQLModel, table=True):
    """One grant or revocation; the current state is the latest row per channel and purpose."""

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    patient_id: int = Field(sa_column=_patient_fk())
    channel: str = Field(max_length=8)
    purpose: str = Field(max_length=16)
    granted: bool
    source: str = Field(max_length=16)
    wording_version: str = Field(default="", max_length=32)
    evidence: str = Field(default="", max_length=128, description="e.g. signature sha256")
    username: str = Field(default="", max_length=64)
    recorded_at: datetime = utc_column(nullable=False)

    __table_args__ = (
        Index("ix_consent_current", "patient_id", "channel", "purpose", "recorded_at"),
        Index("ix_consent_store_recorded", "store_id", "recorded_at"),
    )


ANY_PURPOSE = "any"
"""`ConsentCurrent.purpose` of the row holding the SMS channel's newest ledger row of any
purpose (whether the patient texted STOP); the other channels have none."""


class ConsentCurrent(SQLModel, table=True):
    """The consent that holds now: the newest ledger row per patient, channel and purpose.

    Kept by the database itself (a trigger on `consent`, migration 0008), so
    every writer of the ledger (screens, the signature pad, texts, the
    importer, the demo's COPY) keeps it without knowing of it; the ledger stays
    the evidence. "Newest" is ledger order: recorded at, then id. Beside the
    two purposes, SMS has a row with purpose `any` (`ANY_PURPOSE`) holding
    its newest row of whatever purpose: a STOP by text is that row. The
    daily process and group sends join this table by its key.
    """

    __tablename__ = "consent_current"

    store_id: int = store_fk()
    patient_id: int = Field(sa_column=_patient_fk())
    channel: str = Field(max_length=8)
    purpose: str = Field(max_length=16, description="transactional, marketing or any")
    granted: bool
    source: str = Field(max_length=16)
    recorded_at: datetime = utc_column(nullable=False)
    ledger_id: int = Field(description="the `consent` row that holds")

    __table_args__ = (
        PrimaryKeyConstraint("patient_id", "channel", "purpose", name="pk_consent_current"),
        {"sqlite_with_rowid": False},  # one b-tree: the key is the row
    )
