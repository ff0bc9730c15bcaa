"""The pace of each sender number, shared by all the dispatcher's sending threads.

A store's `sending.max_per_second` applies to the number its texts come from;
two stores texting from one number share its bucket (the carrier counts per
number), at the lower of their settings. Only SMS is paced here: calls are
paced by the IVR computer and email services take bursts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from rxmsg_tui.domain.token_bucket import TokenBucket
from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import Provider

HORIZON = 5.0
"""A sending thread waits at most this long for its number's next slot; a message whose slot
is further off goes back to `Pending` (no attempt spent) until about then."""


def sender_key(store_id: int, provider: Provider) -> str:
    """The sender number a provider texts from (Twilio's From), else the store's own line."""
    number = getattr(provider, "from_number", None)
    owner = number if isinstance(number, str) and number else f"store {store_id}"
    return f"{provider.name}:{owner}"


@dataclass
class SendRates:
    """Token buckets by sender number; `reserve`, `defer` and `throttled` are thread-safe."""

    horizon: float = HORIZON
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)
    _rates: dict[str, dict[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def applies(self, method: Method, rate: float) -> bool:
        return method is Method.SMS and rate > 0

    def reserve(self, key: str, store_id: int, rate: float, now: datetime) -> float | None:
        """Seconds to wait before sending (0: now), or None to leave the message for later."""
        with self._lock:
            return self._bucket(key, store_id, rate).reserve(now.timestamp(), self.horizon)

    def defer(self, key: str, store_id: int, rate: float, now: datetime) -> float:
        """Seconds a message that could not reserve a slot should wait in `Pending`."""
        with self._lock:
            return self._bucket(key, store_id, rate).defer(now.timestamp())

    def throttled(self, key: str, now: datetime, retry_after: float | None) -> None:
        """The provider answered 429 for this number: slow it down."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.throttled(now.timestamp(), retry_after)

    def current_rate(self, key: str, now: datetime) -> float | None:
        """The number's rate now (lower than configured while recovering from 429s)."""
        with self._lock:
            bucket = self._buckets.get(key)
            return None if bucket is None else bucket.current_rate(now.timestamp())

    def _bucket(self, key: str, store_id: int, rate: float) -> TokenBucket:
        rates = self._rates.setdefault(key, {})
        rates[store_id] = rate
        lowest = min((r for r in rates.values() if r > 0), default=0.0)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(lowest)
        else:
            bucket.set_rate(lowest)
        return bucket
