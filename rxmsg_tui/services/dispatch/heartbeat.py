"""Keeps a batch's claims alive while it sends, so a slow provider never lets them expire.

A batch of a hundred messages at 14 s a request takes far longer than the
claim; without renewal another dispatcher would take the claims over and send
the same messages again.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import TracebackType

from rxmsg_tui.clock import Clock
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import renew
from rxmsg_tui.storage.database import Database

log = logging.getLogger("rxmsg.dispatch")


class ClaimHeartbeat:
    """Renews `claimant`'s claims every third of `lease` until the `with` block ends."""

    def __init__(self, db: Database, claimant: Claimant, clock: Clock, lease: timedelta) -> None:
        self.db = db
        self.claimant = claimant
        self.clock = clock
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="claim-heartbeat", daemon=True)

    def __enter__(self) -> ClaimHeartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                renew(self.db, self.claimant, now=self.clock.now(), lease=self.lease)
            except Exception:  # a missed beat is survivable: the claim still has two thirds left
                log.exception("could not renew the dispatcher's claims")
