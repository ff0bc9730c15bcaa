"""The daily process's own ledger: which store-days have been run, and what they queued."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from rxmsg_tui.storage.models.columns import json_column, store_fk, utc_column


class DailyRun(SQLModel, table=True):
    """One run of the daily process for one store and one day.

    A run is recorded when it finishes; the scheduler looks for the newest
    finished day to know which days downtime made it miss. Re-runs add rows:
    the dedupe keys, not this table, keep messages from doubling.
    """

    __tablename__ = "daily_run"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    run_date: date = Field(description="The store-local day the rules were applied for")
    caught_up_from: date = Field(description="First day covered (earlier when catching up)")
    started_at: datetime = utc_column(nullable=False)
    finished_at: datetime = utc_column(nullable=False)
    queued: dict[str, int] = json_column(dict)
    """Messages queued per part: refill, birthday, welcome, pickup_followup, review_resend."""
    trigger: str = Field(max_length=16, description="scheduler or cli")
    username: str = Field(default="", max_length=64)

    __table_args__ = (Index("ix_daily_run_store_date", "store_id", "run_date"),)


class DailyHold(SQLModel, table=True):
    """An alert the flood guard held on one day until an admin confirms it (DESIGN.md §4).

    Welcome, Birthday and Customer Review to more than `flood_guard_share` of
    the store's patients (and more than 100) usually mean a data problem such
    as a mass import, so nothing of that alert is queued until confirmed.
    """

    __tablename__ = "daily_hold"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    run_date: date
    alert: str = Field(max_length=32, description="settings short name: welcome, birthday, review")
    would_queue: int = Field(description="Patients the alert would have reached")
    patient_total: int = Field(description="The store's patients when it was held")
    held_at: datetime = utc_column(nullable=False)
    confirmed_by: str | None = Field(default=None, max_length=64)
    confirmed_at: datetime | None = utc_column()

    __table_args__ = (
        UniqueConstraint("store_id", "run_date", "alert", name="uq_daily_hold_store_day_alert"),
    )
