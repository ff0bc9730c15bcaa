"""What one run of the daily process works with: the store, its day, its settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rxmsg_tui.services.daily.sql import Dialect
from rxmsg_tui.storage.models import AlertSettings

CREATED_BY = "daily process"


@dataclass(frozen=True)
class DayPlan:
    store_id: int
    store_code: str
    zone: ZoneInfo
    day: date
    """The store-local day the rules are applied for."""
    since: date
    """The first day covered: earlier than `day` when days missed by downtime are caught up."""
    now: datetime
    settings: AlertSettings
    constants: Mapping[str, str]
    """Template values that are the same for every patient: store, today, opt-out, review site."""
    dialect: Dialect
    go_live: date | None = None
    """The day the store started messaging; patients present then are not new."""
    birth_years: tuple[int, int] | None = None
    """The earliest and latest birth year of the store's patients, read when birthdays are on."""

    def start_of(self, day: date) -> datetime:
        """Local midnight of `day` in UTC; on a DST day the store's day is 23 or 25 hours long."""
        return datetime.combine(day, time(0), self.zone).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.day - self.since).days + 1)]
