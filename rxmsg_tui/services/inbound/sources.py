"""Where each store's replies are read, and which stores are due a poll now.

The source is the store's SMS provider (the one Outbound Messaging Setup's
SMS Using selects); with none (SMS off, or carried by the IVR, which does not
report replies) it is the outbox's inbox folder, so replies dropped there
are read offline and in the demo.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import select

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import Provider, ProviderError
from rxmsg_tui.providers.outbox import OUTBOX_DIRNAME, OutboxProvider
from rxmsg_tui.services.dispatch.transports import ProviderFor, StoreTransports
from rxmsg_tui.services.inbound.polling import poll_inbound
from rxmsg_tui.services.inbound.report import InboundReport
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundSetup

log = logging.getLogger("rxmsg.inbound")

InboundSourceFor = Callable[[int], Provider | None]
"""The source of a store's replies, or None when it has none."""

TICK_SLACK = timedelta(seconds=1)
"""A job tick a moment early still counts: a 15 s poll must not slip to 20 s."""


def inbound_sources(provider_for: ProviderFor) -> InboundSourceFor:
    """The store's SMS provider, else (for the transports built from settings) the outbox."""
    fallback: list[OutboxProvider] = []
    lock = threading.Lock()

    def source(store_id: int) -> Provider | None:
        provider = provider_for(store_id, Method.SMS)
        if provider is not None or not isinstance(provider_for, StoreTransports):
            return provider
        with lock:
            if not fallback:
                data_dir = provider_for.settings.data_dir
                fallback.append(OutboxProvider(data_dir / OUTBOX_DIRNAME))
            return fallback[0]

    return source


def poll_due(
    db: Database, source_for: InboundSourceFor, *, now: datetime, last: dict[int, datetime]
) -> InboundReport:
    """Poll every store whose `inbound.poll_seconds` have passed since `last` polled it.

    A store whose provider fails is logged and tried again at its next turn;
    the others are polled all the same.
    """
    with db.read() as session:
        query = select(OutboundSetup.store_id, OutboundSetup.inbound_poll_seconds)
        every = {store_id: seconds for store_id, seconds in session.exec(query)}
    total = InboundReport()
    for store_id, seconds in sorted(every.items()):
        previous = last.get(store_id)
        if previous is not None and now - previous < timedelta(seconds=seconds) - TICK_SLACK:
            continue
        last[store_id] = now
        source = source_for(store_id)
        if source is None:
            continue
        try:
            total += poll_inbound(db, store_id, source, now=now)
        except ProviderError as exc:
            log.warning("inbound poll of store %s via %s failed: %s", store_id, source.name, exc)
        except Exception:
            log.exception("inbound poll of store %s failed", store_id)
    return total
