"""The application clock: real time, or real time offset to `RXMSG_NOW`.

Support and tests start the clock at a chosen instant; it then runs on at real
speed so backoffs and intervals still elapse.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class Clock:
    """Aware UTC now, optionally shifted so that it started at `start`."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("RXMSG_NOW needs a time zone offset, e.g. 2026-03-08T09:00:00-05:00")
        self._offset = 0.0 if start is None else start.timestamp() - time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, tz=UTC)

    def today(self, tz: ZoneInfo) -> date:
        """The calendar day at the store, which is what reminders count in."""
        return self.now().astimezone(tz).date()
