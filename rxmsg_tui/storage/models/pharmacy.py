"""Drugs, prescriptions and the events a pharmacy system reports about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from rxmsg_tui.storage.models.columns import store_fk, utc_column


class Drug(SQLModel, table=True):
    """A product by NDC with the classes the refill rules look at."""

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    ndc: str = Field(max_length=16)
    name: str = Field(max_length=120)
    maintenance: bool = False
    dea_schedule: int = Field(default=0, description="0 for none, else 2-5")

    __table_args__ = (UniqueConstraint("store_id", "ndc", name="uq_drug_store_ndc"),)


class Prescription(SQLModel, table=True):
    """An Rx; `due_date` (last fill + days supply) is stored so the daily window uses an index."""

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    rx_number: str = Field(max_length=20)
    patient_id: int = Field(
        sa_column=Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False)
    )
    drug_id: int = Field(sa_column=Column(Integer, ForeignKey("drug.id"), nullable=False))
    days_supply: int
    last_fill_date: date
    due_date: date
    refills_remaining: int
    active: bool = True
    updated_at: datetime = utc_column(nullable=False)

    __table_args__ = (
        UniqueConstraint("store_id", "rx_number", name="uq_rx_store_number"),
        Index("ix_rx_due", "store_id", "due_date"),
        Index("ix_rx_patient", "patient_id"),
        Index("ix_rx_store_last_fill", "store_id", "last_fill_date", "patient_id"),
    )


class RxEvent(SQLModel, table=True):
    """Label printed, insurance approved, verified, picked up: what triggers pickup messages."""

    __tablename__ = "rx_event"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    prescription_id: int = Field(
        sa_column=Column(Integer, ForeignKey("prescription.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=24)
    fill_date: date = Field(description="The fill cycle the event belongs to")
    occurred_at: datetime = utc_column(nullable=False)
    username: str = Field(default="", max_length=64)
    source: str = Field(default="", max_length=16, description="cli, batch, tui")

    __table_args__ = (Index("ix_rx_event_rx", "prescription_id", "occurred_at"),)
