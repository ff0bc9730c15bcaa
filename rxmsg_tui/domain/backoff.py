"""Retry timing: exponential backoff with full jitter, honouring a provider's Retry-After."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 5.0
    cap_seconds: float = 900.0
    max_retry_after_seconds: float = 3600.0
    """A provider asking for more than this is waited on only this long: a Retry-After of
    years (or one that overflows a date) must neither park a message forever nor crash."""

    def delay(
        self, attempts: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after the `attempts`-th failed try (1 = the first).

        Full jitter spreads retries from many dispatchers so a recovering provider
        is not hit by all of them at once; Retry-After is a floor, never shortened,
        but bounded. A Retry-After that is negative, not a number or infinite is
        ignored and the normal backoff applies.
        """
        exponent = min(max(attempts - 1, 0), 64)  # 2**64 × base is already past any cap
        ceiling = min(self.cap_seconds, self.base_seconds * 2**exponent)
        jittered = (rng or random).uniform(ceiling / 2, ceiling)
        return max(jittered, self.bounded_retry_after(retry_after))

    def bounded_retry_after(self, retry_after: float | None) -> float:
        """The provider's wait, if it is a sane number of seconds, at most the maximum."""
        if retry_after is None or not math.isfinite(retry_after) or retry_after <= 0:
            return 0.0
        return min(retry_after, self.max_retry_after_seconds)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
