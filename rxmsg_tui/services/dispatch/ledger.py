"""The sending threads' writes, committed together: each answer recorded with the next hand-over.

A sending thread asks, in one call, to record what its last message became
and to mark its next message as handed over; it sends only once that commit
is done. Whatever the threads ask while a commit is running goes into the
next one, so eight threads cost about one transaction per eight messages
instead of two per message, and the queue is exactly as crash-safe as with
one commit per write: a message is marked before its request leaves, and an
answer waits for a commit no longer than the thread's next hand-over.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from types import TracebackType

from sqlalchemy import Connection

from rxmsg_tui.clock import Clock
from rxmsg_tui.services.dispatch import outcomes as outcomes_module
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import mark_handed_many
from rxmsg_tui.services.dispatch.driver_writes import driver_writes
from rxmsg_tui.services.dispatch.outcomes import Outcome
from rxmsg_tui.storage.database import Database

log = logging.getLogger("rxmsg.dispatch")


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass
class _Request:
    outcomes: list[Outcome]
    hand: int | None
    done: threading.Lock = field(default_factory=_held_lock)
    """Held until the writer is done with the request: a lock wakes its one waiter for less
    than an Event, whose Condition costs a handful of lock operations per message."""
    handed: bool = False
    error: BaseException | None = None


_STOP = object()

GATHER_SECONDS = 0.001
"""How long the writer waits for more threads' writes before committing a part-filled group:
a commit costs far more CPU than this wait, and the threads are CPU-bound together."""


class SendLedger:
    """One writer thread for a batch; `write` blocks until the caller's part is committed."""

    def __init__(self, db: Database, claimant: Claimant, clock: Clock, *, threads: int = 1) -> None:
        self.db = db
        self.threads = threads
        """Sending threads writing here: a group of that many commits without waiting."""
        self.claimant = claimant
        self.clock = clock
        self._queue: queue.SimpleQueue[_Request | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="send-ledger", daemon=True)
        self._held: Connection | None = None

    def __enter__(self) -> SendLedger:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self._held is not None:
            self._held.close()
            self._held = None

    def write(self, outcomes: list[Outcome], *, hand: int | None = None) -> bool:
        """Record `outcomes`, then mark `hand` as handed over; True if it may be sent now.

        A failure to record is logged, not raised: the message stays `Sending`
        with `sent_at` set and is reconciled, never sent again blindly. A
        failure to mark is raised: that message must not be sent.
        """
        if not outcomes and hand is None:
            return False
        request = _Request(list(outcomes), hand)
        self._queue.put(request)
        request.done.acquire()
        if request.error is not None:
            raise request.error
        return request.handed

    def _run(self) -> None:
        stopping = False
        while not stopping:
            group: list[_Request] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                elif isinstance(item, _Request):
                    group.append(item)
                try:
                    if stopping or len(group) >= self.threads:
                        item = self._queue.get_nowait()
                    else:
                        item = self._queue.get(timeout=GATHER_SECONDS)
                except queue.Empty:
                    break
            if group:
                self._commit_group(group)

    def _commit_group(self, group: list[_Request]) -> None:
        try:
            try:
                self._commit(group)
            except Exception:
                # One bad write must not cost the others theirs: each on its own.
                for request in group:
                    self._commit_alone(request)
        finally:
            for request in group:
                request.done.release()

    def _commit_alone(self, request: _Request) -> None:
        if request.outcomes:
            try:
                self._commit([_Request(request.outcomes, None)])
            except Exception:
                ids = [o.message_id for o in request.outcomes]
                log.exception("messages %s: could not record the outcome", ids)
        if request.hand is not None:
            try:
                request.handed = self._commit([_Request([], request.hand)])
            except Exception as error:
                request.error = error

    def _connection(self) -> Connection:
        """One connection for the batch: no pool check-out (and pre-ping) per commit."""
        if self._held is None:
            self._held = self.db.engine.connect()
        return self._held

    def _disconnect(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            try:
                held.invalidate()
                held.close()
            except Exception:
                log.exception("could not close the dispatcher's database connection")

    def _commit(self, group: list[_Request]) -> bool:
        """One transaction for the whole group; True if the (last) hand-over was marked."""
        now = self.clock.now()
        records = [o for request in group for o in request.outcomes]
        hands = [request.hand for request in group if request.hand is not None]
        connection = self._connection()
        try:
            # Answers alone may be lost to a database crash: they are then reconciled.
            with driver_writes(connection).transaction(connection, durable=bool(hands)):
                outcomes_module.write_outcomes(connection, self.claimant, records, now=now)
                handed = mark_handed_many(connection, self.claimant, hands, now=now)
        except Exception:
            self._disconnect()  # a broken connection is not used again
            raise
        for request in group:
            request.handed = request.hand in handed
        return any(request.handed for request in group)
