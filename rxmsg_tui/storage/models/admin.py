"""Users and roles, the audit trail, and the scheduler lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, Index, LargeBinary, Table, Text, Unicode, UniqueConstraint
from sqlmodel import Field, SQLModel

from rxmsg_tui.storage.models.columns import store_fk, utc_column


class AppUser(SQLModel, table=True):
    """An OS login (as over SSH) allowed to use rxmsg at a store, with its role."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    username: str = Field(max_length=64)
    role: str = Field(max_length=16)
    active: bool = True
    created_at: datetime = utc_column(nullable=False)
    created_by: str = Field(default="", max_length=64)

    __table_args__ = (UniqueConstraint("store_id", "username", name="uq_app_user_store_name"),)


class AuditLog(SQLModel, table=True):
    """Who changed what and when, with the value before and after (JSON text)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    at: datetime = utc_column(nullable=False)
    username: str = Field(max_length=64)
    action: str = Field(max_length=48)
    target: str = Field(default="", max_length=200)
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))

    __table_args__ = (Index("ix_audit_store_at", "store_id", "at"),)


class UnlockCodeUse(SQLModel, table=True):
    """A support unlock code that has been used: each code unlocks once (DESIGN.md §9)."""

    __tablename__ = "unlock_code_use"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    code_id: str = Field(max_length=64, unique=True, description="sha256 of the code's payload")
    used_at: datetime = utc_column(nullable=False)
    username: str = Field(max_length=64)
    expires_at: datetime = utc_column(nullable=False)


class SchedulerLease(SQLModel, table=True):
    """The one active scheduler per database: holder, renewed while held, taken over on expiry."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=160)
    host: str = Field(max_length=120)
    pid: int
    acquired_at: datetime = utc_column(nullable=False)
    expires_at: datetime = utc_column(nullable=False)


APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
"""APScheduler 3's job store, created by our migrations rather than by APScheduler."""
