"""Retry timing: exponential backoff with full jitter, honouring a provider's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 5.0
    cap_seconds: float = 900.0

    def delay(
        self, attempts: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after the `attempts`-th failed try (1 = the first).

        Full jitter spreads retries from many dispatchers so a recovering provider
        is not hit by all of them at once; Retry-After is a floor, never shortened.
        """
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        jittered = (rng or random).uniform(ceiling / 2, ceiling)
        return max(jittered, retry_after or 0.0)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
