"""Everything a command or the App works with, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # names only: the App's first paint must not wait for SQLAlchemy or pydantic
    from rxmsg_tui.clock import Clock
    from rxmsg_tui.config import Settings
    from rxmsg_tui.services.actor import Actor
    from rxmsg_tui.storage.database import Database
    from rxmsg_tui.storage.models import Store


@dataclass
class AppContext:
    """Settings, clock, database, the store and who is signed in."""

    settings: Settings
    clock: Clock
    db: Database
    store: Store
    actor: Actor

    @property
    def store_zone(self) -> ZoneInfo:
        return ZoneInfo(self.store.timezone)
