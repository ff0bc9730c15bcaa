"""Sends what is due: claim a batch, check words, consent and windows again, send, record.

Network calls happen outside any transaction, a few at a time in threads.
Each message is marked as handed over just before its request and recorded
the moment the provider answers; a heartbeat keeps the batch's claims alive
however slow the provider is. So a crash at any point leaves each message
finished, or `Sending` with `sent_at` empty (never handed over: sent again),
or `Sending` with `sent_at` set (maybe accepted: `reconcile` asks the provider
before anything is sent again, because Twilio and SendGrid ignore the
Idempotency-Key every request carries).
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.backoff import RetryPolicy
from rxmsg_tui.domain.eligibility import consent_warning
from rxmsg_tui.domain.restricted_words import find_restricted
from rxmsg_tui.domain.send_windows import StoreWindows, next_allowed
from rxmsg_tui.domain.vocabulary import AlertType, Method, QueueStatus, QueueWarning
from rxmsg_tui.providers.base import (
    OutgoingMessage,
    PermanentError,
    Provider,
    SendResult,
    TransientError,
    TransportDown,
)
from rxmsg_tui.services.consent_state import NO_CONSENT, ConsentState, consent_states
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import SETTLE, claim_due, recover_claims, release
from rxmsg_tui.services.dispatch.heartbeat import ClaimHeartbeat
from rxmsg_tui.services.dispatch.ledger import SendLedger
from rxmsg_tui.services.dispatch.outcomes import Outcome, record
from rxmsg_tui.services.dispatch.reconcile import reconcile
from rxmsg_tui.services.dispatch.send_rate import SendRates, sender_key
from rxmsg_tui.services.dispatch.transports import ProviderFor
from rxmsg_tui.services.formats.restricted import store_words
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, OutboundSetup, Store
from rxmsg_tui.storage.queries import alert_settings_of

__all__ = ["DispatchStats", "Dispatcher", "ProviderFor"]

log = logging.getLogger("rxmsg.dispatch")

NO_TRANSPORT_RETRY = timedelta(minutes=15)
TRANSPORT_DOWN_RETRY = timedelta(seconds=30)
"""A transport that is down (the IVR computer) is tried again this soon; it reconnects itself."""


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    undelivered: int = 0
    deferred: int = 0
    recovered: int = 0
    found: int = 0
    """Messages a dead sender left, found accepted at the provider."""
    unconfirmed: int = 0
    """Messages a dead sender left at a provider that cannot be asked: "Sent?" for staff."""

    def add(self, other: DispatchStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _StoreRules:
    windows: StoreWindows
    words: list[str]
    max_per_second: float = 0.0
    """`sending.max_per_second` for the store's SMS number; 0 for no limit of our own."""


@dataclass(frozen=True, slots=True)
class _Due:
    """What sending a claimed message needs of it: read as plain columns, not an ORM object,
    whose loading (identity map, a dozen instants converted) cost more than the checks."""

    id: int
    store_id: int
    uuid: str
    method: str
    alert_type: str
    recipient: str
    subject: str
    body: str
    attempts: int
    patient_id: int | None
    keyword_reply: bool


_DUE_COLUMNS = [getattr(OutboundMessage, name) for name in _Due.__dataclass_fields__]


@dataclass
class _Send:
    message: _Due
    provider: Provider
    rules: _StoreRules
    open_in: datetime
    """The minute (UTC) in which the message's window was found open: windows, the store's
    and the recipient's 08:00-21:00, open and close on whole minutes, so within it no
    second look is needed."""


@dataclass
class _Sending:
    """A batch in the sending threads' hands."""

    stats: DispatchStats
    threads: list[Future[list[Outcome]]]
    count: Callable[[Outcome | None, DispatchStats], None]

    def finish(self) -> DispatchStats:
        """Wait for the batch's threads; its stats, with what they sent."""
        for thread in self.threads:
            for outcome in thread.result():
                self.count(outcome, self.stats)
        log.info("dispatched batch: %s", self.stats)
        return self.stats


@dataclass
class _Batch:
    """What a batch is checked against again just before sending."""

    rules: dict[int, _StoreRules]
    consent: dict[int, ConsentState]


@dataclass
class Dispatcher:
    db: Database
    provider_for: ProviderFor
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 100
    lease: timedelta = timedelta(seconds=60)
    settle: timedelta = SETTLE
    workers: int = 8
    claimant: Claimant = field(default_factory=Claimant.for_this_process)
    rates: SendRates = field(default_factory=SendRates)
    """Sender numbers' paces; kept across batches (and shared with other dispatchers in-process)."""

    def run_once(self) -> DispatchStats:
        """One batch: recover dead claims, reconcile what they may have sent, claim, send."""
        return self._run(max_batches=1)

    def run_until_idle(self, *, max_batches: int = 10_000) -> DispatchStats:
        """Batches until nothing more is due now (`rxmsg dispatch --once`)."""
        return self._run(max_batches=max_batches)

    def _run(self, *, max_batches: int) -> DispatchStats:
        """Batches on one set of sending threads, one ledger and one heartbeat.

        Starting them for every batch of a hundred cost more than a tenth of
        the process's time at full speed. The next batch is claimed and
        checked while the threads still send the one before, so they never
        wait for it. Dead claims are looked for again every third of a lease,
        as often as a claim is renewed.
        """
        total = DispatchStats()
        self._take_back(total)
        checked = time.monotonic()
        ids = self._claim()
        if not ids:
            return total
        abort = threading.Event()
        try:
            with (
                ClaimHeartbeat(self.db, self.claimant, self.clock, self.lease),
                SendLedger(self.db, self.claimant, self.clock, threads=self.workers) as ledger,
                ThreadPoolExecutor(max_workers=self.workers) as pool,
            ):
                try:
                    sending: _Sending | None = None
                    for batch in range(max_batches):
                        stats = DispatchStats(claimed=len(ids))
                        to_send = self._prepare(ids, stats)
                        started = self._start(to_send, stats, ledger, pool, abort)
                        if sending is not None:
                            total.add(sending.finish())
                        sending = started
                        if len(ids) < self.batch_size or batch + 1 == max_batches:
                            break
                        if time.monotonic() - checked > self.lease.total_seconds() / 3:
                            self._take_back(total)
                            checked = time.monotonic()
                        ids = self._claim()
                        if not ids:
                            break
                    if sending is not None:
                        total.add(sending.finish())
                except BaseException:
                    abort.set()  # nothing more is handed over; the rest is released unsent
                    raise
        finally:
            # Normally nothing is left; after an error, nothing sent is ever put back blindly.
            release(self.db, self.claimant, now=self.clock.now(), settle=self.settle)
        return total

    def _take_back(self, stats: DispatchStats) -> None:
        """Recover dead claims and reconcile what their holders may have sent."""
        stats.recovered += recover_claims(self.db, now=self.clock.now(), settle=self.settle)
        found = reconcile(self.db, self.provider_for, now=self.clock.now())
        stats.found += found.found
        stats.unconfirmed += found.unconfirmed

    def _claim(self) -> list[int]:
        return claim_due(
            self.db, self.claimant, now=self.clock.now(), limit=self.batch_size, lease=self.lease
        )

    def _prepare(self, ids: list[int], stats: DispatchStats) -> queue.SimpleQueue[_Send]:
        """Check a claimed batch, record what must wait or never go; what may go now."""
        messages, batch = self._load(ids)
        held: list[Outcome] = []
        to_send: queue.SimpleQueue[_Send] = queue.SimpleQueue()
        now = self.clock.now()
        for message in messages:
            outcome = self._hold(message, batch, now, stats)
            provider = None
            if outcome is None:
                provider = self.provider_for(message.store_id, Method(message.method))
                if provider is None:
                    stats.deferred += 1
                    outcome = _pending(message, now + NO_TRANSPORT_RETRY)
            if outcome is not None:
                held.append(outcome)
            elif provider is not None:
                rules = batch.rules[message.store_id]
                to_send.put(_Send(message, provider, rules, _minute(now)))
        record(self.db, self.claimant, held, now=now)
        return to_send

    def _start(
        self,
        to_send: queue.SimpleQueue[_Send],
        stats: DispatchStats,
        ledger: SendLedger,
        pool: ThreadPoolExecutor,
        abort: threading.Event,
    ) -> _Sending:
        """Hand the batch to the sending threads; they take it up as they finish the last."""
        send = functools.partial(self._send_queued, to_send, ledger, abort)
        threads = [pool.submit(send) for _ in range(max(1, min(self.workers, to_send.qsize())))]
        return _Sending(stats, threads, self._count)

    def _send_queued(
        self, to_send: queue.SimpleQueue[_Send], ledger: SendLedger, abort: threading.Event
    ) -> list[Outcome]:
        """One sending thread: take messages in turn until none are left; their outcomes.

        Each message's outcome is committed together with the next message's
        hand-over (see `SendLedger`); before a wait for the sender number's
        next slot, it is committed at once, so no answer waits unrecorded.
        Once one sending thread is torn down (SystemExit, KeyboardInterrupt) no
        other message is handed over; they are released unsent.
        """
        results: list[Outcome] = []
        unrecorded: list[Outcome] = []
        try:
            while not abort.is_set():
                try:
                    item = to_send.get_nowait()
                except queue.Empty:
                    break
                outcome = self._deliver(item, ledger, unrecorded, abort)
                if outcome is not None:
                    results.append(outcome)
                    unrecorded.append(outcome)
        except BaseException:
            abort.set()
            raise
        finally:
            if unrecorded:
                ledger.write(unrecorded)
        return results

    def _deliver(
        self,
        item: _Send,
        ledger: SendLedger,
        unrecorded: list[Outcome],
        abort: threading.Event,
    ) -> Outcome | None:
        """Hand one message over; its outcome (not yet recorded), or None if it was not sent.

        `unrecorded` holds the thread's earlier outcomes; they are committed
        (and emptied) before this message goes. The window is checked again
        here: behind a slow provider the batch may reach this message after
        the window (or the 21:00 floor) has closed.
        """
        message, provider = item.message, item.provider
        method, alert = Method(message.method), AlertType(message.alert_type)
        rate = item.rules.max_per_second
        paced = self.rates.applies(method, rate)
        key = sender_key(message.store_id, provider) if paced else ""
        if paced:
            wait = self.rates.reserve(key, message.store_id, rate, self.clock.now())
            if wait is None:  # the number's next slot is far off: wait in Pending, no attempt
                later = self.rates.defer(key, message.store_id, rate, self.clock.now())
                return _pending(message, self.clock.now() + timedelta(seconds=later))
            if wait > 0:
                if unrecorded:
                    ledger.write(unrecorded)
                    unrecorded.clear()
                if abort.wait(wait):
                    return None
        now = self.clock.now()
        opens = (
            now
            if message.keyword_reply or _minute(now) == item.open_in
            else next_allowed(method, alert, now, item.rules.windows, message.recipient)
        )
        if opens != now:
            return _pending(message, opens or now + timedelta(days=1))
        try:
            handed = ledger.write(unrecorded, hand=message.id)
        except Exception:  # not handed over: released as unsent when the batch ends
            log.exception("message %s: could not mark it as being sent", message.id)
            return None
        finally:
            unrecorded.clear()
        if not handed:
            log.warning("message %s: claim lost before sending; left to its new holder", message.id)
            return None
        result = _try_send(message, provider)
        if paced and isinstance(result, TransientError) and result.status_code == 429:
            self.rates.throttled(key, self.clock.now(), result.retry_after)
        try:
            return self._outcome(message, provider.name, result)
        except Exception:  # never lose an acceptance to a bug in the bookkeeping
            log.exception("message %s: could not work out the outcome", message.id)
            return _fallback(message, provider.name, result, self.clock.now())

    @staticmethod
    def _count(outcome: Outcome | None, stats: DispatchStats) -> None:
        """Tally one sending thread's outcome (called on the batch's own thread, in order)."""
        if outcome is None:
            return
        if outcome.status is QueueStatus.SENT:
            stats.sent += 1
        elif outcome.status is QueueStatus.FAILED:
            stats.failed += 1
        elif outcome.attempt is None:
            stats.deferred += 1
        else:
            stats.retrying += 1

    def _load(self, ids: list[int]) -> tuple[list[_Due], _Batch]:
        with self.db.read() as session:
            found = session.execute(
                select(*_DUE_COLUMNS).where(col(OutboundMessage.id).in_(ids))
            ).all()
            rows = [_Due(*row) for row in found]
            order = {message_id: n for n, message_id in enumerate(ids)}
            rows.sort(key=lambda m: order[m.id])
            rules: dict[int, _StoreRules] = {}
            for store_id in {m.store_id for m in rows}:
                store = session.get(Store, store_id)
                alerts = alert_settings_of(session, store_id)
                assert store is not None
                windows = StoreWindows.from_settings(
                    store.timezone, alerts.email_sms_window, alerts.call_window, alerts.days
                )
                setup = session.exec(
                    select(OutboundSetup).where(OutboundSetup.store_id == store_id)
                ).first()
                rules[store_id] = _StoreRules(
                    windows,
                    store_words(session, store_id),
                    setup.max_per_second if setup is not None else 0.0,
                )
            patients = {m.patient_id for m in rows if m.patient_id is not None}
            consent = consent_states(session, patients)
        return rows, _Batch(rules, consent)

    def _hold(
        self, message: _Due, batch: _Batch, now: datetime, stats: DispatchStats
    ) -> Outcome | None:
        """A message that must not go now: restricted or unwanted (never), or outside its window.

        Words and the patient's consent are checked again here because both can
        change while a message waits: a STOP texted overnight stops the morning's
        reminder.
        """
        rules = batch.rules[message.store_id]
        if _restricted(message.subject, rules.words) or _restricted(message.body, rules.words):
            stats.undelivered += 1
            return _final(message, QueueStatus.UNDELIVERED, QueueWarning.WORD_RESTRICTED.value)
        if message.keyword_reply:
            return None  # the answer to STOP/START/HELP: at once, whatever window or consent
        method, alert = Method(message.method), AlertType(message.alert_type)
        if message.patient_id is not None:
            consent = batch.consent.get(message.patient_id, NO_CONSENT)
            refused = consent_warning(method, alert, consent.granted, consent.sms_opted_out)
            if refused is not None:
                stats.undelivered += 1
                return _final(message, QueueStatus.UNDELIVERED, refused.value)
        opens = next_allowed(method, alert, now, rules.windows, message.recipient)
        if opens == now:
            return None
        stats.deferred += 1
        return _pending(message, opens or now + timedelta(days=1))

    def _outcome(self, message: _Due, provider: str, result: SendResult | Exception) -> Outcome:
        attempts = message.attempts + 1
        now = self.clock.now()
        if isinstance(result, SendResult):
            return Outcome(
                message.id, message.store_id, QueueStatus.SENT, attempts,
                sent_at=now, provider_message_id=result.provider_message_id,
                attempt={"provider": provider, "status_code": result.status_code,
                         "response": result.response},
            )  # fmt: skip
        if isinstance(result, TransportDown):  # nothing was tried: no attempt is spent
            return _pending(message, now + TRANSPORT_DOWN_RETRY)
        attempt = _failed_attempt(provider, result)
        if isinstance(result, PermanentError) or self.policy.exhausted(attempts):
            log.warning("message %s failed after %d attempts", message.id, attempts)
            return Outcome(
                message.id, message.store_id, QueueStatus.FAILED, attempts, attempt=attempt
            )
        retry_after = result.retry_after if isinstance(result, TransientError) else None
        delay = self.policy.delay(attempts, retry_after)
        return Outcome(
            message.id, message.store_id, QueueStatus.PENDING, attempts,
            next_attempt_at=now + timedelta(seconds=delay), attempt=attempt,
        )  # fmt: skip


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _restricted(text: str, words: list[str]) -> bool:
    """`find_restricted`, without its cost for an empty text (an SMS has no subject)."""
    return bool(text) and bool(find_restricted(text, words))


def _try_send(message: _Due, provider: Provider) -> SendResult | Exception:
    outgoing = OutgoingMessage(
        uuid=message.uuid,
        method=Method(message.method),
        to=message.recipient,
        subject=message.subject,
        body=message.body,
    )
    try:
        return provider.send(outgoing)
    except Exception as exc:  # every failure is recorded as an attempt, never raised
        if not isinstance(exc, TransientError | PermanentError):
            log.exception("provider %s raised for message %s", provider.name, message.id)
        return exc


def _failed_attempt(provider: str, error: Exception) -> dict[str, object]:
    return {
        "provider": provider,
        "status_code": getattr(error, "status_code", None),
        "response": getattr(error, "response", ""),
        "error": getattr(error, "reason", None) or f"{type(error).__name__}: {error}",
    }


def _fallback(
    message: _Due, provider: str, result: SendResult | Exception, now: datetime
) -> Outcome:
    """The plainest true outcome, when working out the usual one failed."""
    attempts = message.attempts + 1
    if isinstance(result, SendResult):
        return Outcome(
            message.id, message.store_id, QueueStatus.SENT, attempts, sent_at=now,
            provider_message_id=result.provider_message_id,
            attempt={"provider": provider, "status_code": result.status_code},
        )  # fmt: skip
    later = now + timedelta(seconds=RetryPolicy().cap_seconds)
    return Outcome(
        message.id, message.store_id, QueueStatus.PENDING, attempts, next_attempt_at=later,
        attempt=_failed_attempt(provider, result),
    )  # fmt: skip


def _pending(message: _Due, at: datetime) -> Outcome:
    return Outcome(
        message.id, message.store_id, QueueStatus.PENDING, message.attempts, next_attempt_at=at
    )


def _final(message: _Due, status: QueueStatus, warning: str) -> Outcome:
    return Outcome(message.id, message.store_id, status, message.attempts, warning=warning)
