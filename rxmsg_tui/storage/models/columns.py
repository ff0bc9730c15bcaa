"""Shared column helpers for the SQLModel tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field

from rxmsg_tui.storage.types import UTCDateTime


def store_fk() -> Any:
    """Every row that belongs to a pharmacy carries its store (a chain shares a database)."""
    return Field(sa_column=Column(Integer, ForeignKey("store.id"), nullable=False, index=True))


def utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


def json_column(default_factory: Any = list) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


__all__ = ["datetime", "json_column", "store_fk", "utc_column"]
