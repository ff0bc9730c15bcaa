"""The provider for each store and method, built from its Outbound Messaging Setup row.

Built once per store and rebuilt when the setup changes (checked at most every
`refresh` seconds), so a change on the setup screen reaches a running daemon
without a restart and httpx connection pools are reused between batches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from rxmsg_tui.config import Settings
from rxmsg_tui.devices.ivr import IvrLink
from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import Provider
from rxmsg_tui.providers.factory import OutboundSetup as SetupValues
from rxmsg_tui.providers.factory import Providers, build_providers
from rxmsg_tui.providers.ivr import IvrProvider
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundSetup, Store

ProviderFor = Callable[[int, Method], Provider | None]
"""The transport for a store and method, or None while it is switched off or down."""


@dataclass
class _Cached:
    values: SetupValues
    providers: Providers
    checked: float


class StoreTransports:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        refresh: float = 30.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.refresh = refresh
        self._now = now
        self._cache: dict[int, _Cached] = {}
        self._lock = threading.Lock()

    def __call__(self, store_id: int, method: Method) -> Provider | None:
        return self.providers(store_id).for_method(method)

    def providers(self, store_id: int) -> Providers:
        with self._lock:
            cached = self._cache.get(store_id)
            if cached is not None and time.monotonic() - cached.checked < self.refresh:
                return cached.providers
            values = self._setup(store_id)
            if cached is not None and cached.values == values:
                cached.checked = time.monotonic()
                return cached.providers
            if cached is not None:
                cached.providers.close()
            providers = build_providers(self.settings, values, now=self._now, ivr_link=_open_ivr)
            self._cache[store_id] = _Cached(values, providers, time.monotonic())
            return providers

    def devices_down(self) -> list[str]:
        """The devices now unreachable, by name: the IVR computer of any store (for the header)."""
        with self._lock:
            cached = list(self._cache.values())
        for entry in cached:
            for choice in entry.providers:
                if isinstance(choice.provider, IvrProvider) and choice.provider.is_down:
                    return ["IVR"]
        return []

    def close(self) -> None:
        with self._lock:
            for cached in self._cache.values():
                cached.providers.close()
            self._cache.clear()

    def _setup(self, store_id: int) -> SetupValues:
        with self.db.read() as session:
            row = session.exec(
                select(OutboundSetup).where(OutboundSetup.store_id == store_id)
            ).one()
            store = session.get(Store, store_id)
            return SetupValues(
                email_using=row.email_using,
                sms_using=row.sms_using,
                call_using=row.call_using,
                store_name=store.name if store else None,
                ivr_host=row.ivr_host,
                ivr_port=row.ivr_port,
            )


def _open_ivr(host: str, port: int) -> IvrLink:
    """The IVR link starts connecting at once, so the header knows it is down before a call."""
    return IvrLink(host, port).start()
