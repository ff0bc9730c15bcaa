"""A sender number's pace (`sending.max_per_second`): a token bucket that backs off on 429.

Carriers hold a long code to about one text a second and answer faster
senders with 429 Too Many Requests. The bucket lets a second's worth of
messages go at once, then one every `1 / rate` seconds; each 429 halves the
rate and pauses the number for the provider's Retry-After (at most
`MAX_PAUSE`), and every `RECOVER_EVERY` seconds without one gives back a tenth
of the configured rate. A rate of 0 means no limit of our own.

Written as a generic cell rate algorithm: `_tat` is the time the next message
would be due if messages went exactly at the rate. Pure: every call is given
the time (seconds on any clock that does not go back).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MAX_PAUSE = 60.0
"""A Retry-After longer than this pauses the number no longer (the message itself waits it out)."""
RECOVER_EVERY = 10.0
"""Seconds without a 429 before the rate climbs back by `RECOVER_SHARE` of the configured one."""
RECOVER_SHARE = 0.1
FLOOR_SHARE = 1 / 16
"""However many 429s arrive, the rate stays at least this share of the configured one."""


@dataclass
class TokenBucket:
    rate: float
    """Configured messages a second; 0 for no limit of our own."""
    _current: float = field(init=False)
    _tat: float = field(default=-math.inf, init=False)
    _deferred: float = field(default=-math.inf, init=False)
    _paused_until: float = field(default=-math.inf, init=False)
    _calm_since: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.rate < 0 or not math.isfinite(self.rate):
            raise ValueError(f"a sending rate must be 0 or more, got {self.rate}")
        self._current = self.rate

    @property
    def limited(self) -> bool:
        return self.rate > 0

    def current_rate(self, now: float) -> float:
        """The rate in force now: the configured one, or less while recovering from 429s."""
        self._recover(now)
        return self._current

    def set_rate(self, rate: float) -> None:
        """A changed setting: takes effect at once, a slowdown from 429s carries over."""
        if rate < 0 or not math.isfinite(rate):
            raise ValueError(f"a sending rate must be 0 or more, got {rate}")
        if rate == self.rate:
            return
        share = self._current / self.rate if self.rate > 0 else 1.0
        self.rate = rate
        self._current = rate * share

    def reserve(self, now: float, horizon: float) -> float | None:
        """Take the next slot if it comes within `horizon` seconds: the wait until it, else None.

        None takes nothing: the message waits elsewhere (see `defer`).
        """
        if not self.limited:
            return 0.0
        at = self._next_slot(now)
        if at - now > horizon:
            return None
        self._tat = max(self._tat, at) + self._interval()
        return max(0.0, at - now)

    def defer(self, now: float) -> float:
        """Seconds until a message that could not reserve should come back.

        Messages deferred together are spread one interval apart, so they come
        back at the pace they can be sent rather than all at once.
        """
        if not self.limited:
            return max(0.0, self._paused_until - now)
        at = max(self._next_slot(now), self._deferred)
        self._deferred = at + self._interval()
        return max(0.0, at - now)

    def throttled(self, now: float, retry_after: float | None) -> None:
        """A 429 arrived: halve the rate and pause the number for Retry-After (bounded)."""
        if not self.limited:
            return
        self._recover(now)
        self._current = max(self._current / 2, self.rate * FLOOR_SHARE)
        self._calm_since = now
        pause = retry_after if retry_after is not None and math.isfinite(retry_after) else 0.0
        self._paused_until = max(self._paused_until, now + min(max(pause, 0.0), MAX_PAUSE))
        self._tat = max(self._tat, now)  # no burst straight after a 429

    def _next_slot(self, now: float) -> float:
        self._recover(now)
        burst_tolerance = (max(1.0, self._current) - 1.0) * self._interval()
        return max(now, self._paused_until, self._tat - burst_tolerance)

    def _interval(self) -> float:
        return 1.0 / self._current

    def _recover(self, now: float) -> None:
        if self._calm_since is None or self._current >= self.rate:
            self._calm_since = None
            return
        steps = math.floor((now - self._calm_since) / RECOVER_EVERY)
        if steps <= 0:
            return
        self._current = min(self.rate, self._current + steps * self.rate * RECOVER_SHARE)
        self._calm_since += steps * RECOVER_EVERY
