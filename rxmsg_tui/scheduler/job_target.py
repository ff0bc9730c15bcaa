"""What a scheduler job calls: the runner's work, seen from the jobs.

The jobs depend on this protocol, not on `SchedulerRunner`, so the runner can
import the jobs it schedules without the two modules importing each other.
"""

from __future__ import annotations

from typing import Protocol


class JobTarget(Protocol):
    """The work one live runner does on each tick of its jobs."""

    def dispatch(self) -> None: ...

    def check_delivery(self) -> None: ...

    def run_daily_if_due(self) -> None: ...

    def poll_inbound(self) -> None: ...

    def keep_lease(self) -> None: ...
