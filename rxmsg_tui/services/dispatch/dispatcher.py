"""Sends what is due: claim a batch, check words, consent and windows again, send, record.

Network calls happen outside any transaction, a few at a time in threads;
the database sees one claim and one batched write per batch. A crash at any
point leaves each message finished or `Sending` under a claim that expires
(or is taken back at once when its process is gone), and the resend carries
the same Idempotency-Key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
)
from rxmsg_tui.services.consent_state import NO_CONSENT, ConsentState, consent_states
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import claim_due, recover_claims
from rxmsg_tui.services.dispatch.outcomes import Outcome, record
from rxmsg_tui.services.formats.restricted import store_words
from rxmsg_tui.storage.models import AlertSettings, OutboundMessage, Store

log = logging.getLogger("rxmsg.dispatch")

ProviderFor = Callable[[int, Method], Provider | None]
"""The transport for a store and method, or None while it is switched off or down."""

NO_TRANSPORT_RETRY = timedelta(minutes=15)


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    undelivered: int = 0
    deferred: int = 0
    recovered: int = 0

    def add(self, other: DispatchStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _StoreRules:
    windows: StoreWindows
    words: list[str]


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
    workers: int = 8
    claimant: Claimant = field(default_factory=Claimant.for_this_process)

    def run_once(self) -> DispatchStats:
        """One batch: recover dead claims, claim, send, record."""
        stats = DispatchStats(recovered=recover_claims(self.db, now=self.clock.now()))
        ids = claim_due(
            self.db, self.claimant, now=self.clock.now(), limit=self.batch_size, lease=self.lease
        )
        stats.claimed = len(ids)
        if not ids:
            return stats
        messages, batch = self._load(ids)
        outcomes = self._send_all(messages, batch, stats)
        record(self.db, self.claimant, outcomes, now=self.clock.now())
        log.info("dispatched batch: %s", stats)
        return stats

    def run_until_idle(self, *, max_batches: int = 10_000) -> DispatchStats:
        """Batches until nothing more is due now (`rxmsg dispatch --once`)."""
        total = DispatchStats()
        for _ in range(max_batches):
            stats = self.run_once()
            total.add(stats)
            if stats.claimed < self.batch_size:
                break
        return total

    def _load(self, ids: list[int]) -> tuple[list[OutboundMessage], _Batch]:
        with self.db.read() as session:
            rows = list(
                session.exec(select(OutboundMessage).where(col(OutboundMessage.id).in_(ids)))
            )
            order = {message_id: n for n, message_id in enumerate(ids)}
            rows.sort(key=lambda m: order[m.id or 0])
            rules: dict[int, _StoreRules] = {}
            for store_id in {m.store_id for m in rows}:
                store = session.get(Store, store_id)
                alerts = session.exec(
                    select(AlertSettings).where(AlertSettings.store_id == store_id)
                ).one()
                assert store is not None
                windows = StoreWindows.from_settings(
                    store.timezone, alerts.email_sms_window, alerts.call_window, alerts.days
                )
                rules[store_id] = _StoreRules(windows, store_words(session, store_id))
            patients = {m.patient_id for m in rows if m.patient_id is not None}
            consent = consent_states(session, patients)
        return rows, _Batch(rules, consent)

    def _send_all(
        self, messages: list[OutboundMessage], batch: _Batch, stats: DispatchStats
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        to_send: list[tuple[OutboundMessage, Provider]] = []
        now = self.clock.now()
        for message in messages:
            held = self._hold(message, batch, now, stats)
            if held is not None:
                outcomes.append(held)
                continue
            provider = self.provider_for(message.store_id, Method(message.method))
            if provider is None:
                stats.deferred += 1
                outcomes.append(_pending(message, now + NO_TRANSPORT_RETRY))
                continue
            to_send.append((message, provider))
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(to_send) or 1))) as pool:
            results = list(pool.map(lambda pair: _try_send(*pair), to_send))
        for (message, provider), result in zip(to_send, results, strict=True):
            outcomes.append(self._outcome(message, provider.name, result, stats))
        return outcomes

    def _hold(
        self, message: OutboundMessage, batch: _Batch, now: datetime, stats: DispatchStats
    ) -> Outcome | None:
        """A message that must not go now: restricted or unwanted (never), or outside its window.

        Words and the patient's consent are checked again here because both can
        change while a message waits: a STOP texted overnight stops the morning's
        reminder.
        """
        rules = batch.rules[message.store_id]
        if find_restricted(message.subject, rules.words) or find_restricted(
            message.body, rules.words
        ):
            stats.undelivered += 1
            return _final(message, QueueStatus.UNDELIVERED, QueueWarning.WORD_RESTRICTED.value)
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

    def _outcome(
        self,
        message: OutboundMessage,
        provider: str,
        result: SendResult | Exception,
        stats: DispatchStats,
    ) -> Outcome:
        attempts = message.attempts + 1
        now = self.clock.now()
        assert message.id is not None
        if isinstance(result, SendResult):
            stats.sent += 1
            return Outcome(
                message.id, message.store_id, QueueStatus.SENT, attempts,
                sent_at=now, provider_message_id=result.provider_message_id,
                attempt={"provider": provider, "status_code": result.status_code,
                         "response": result.response},
            )  # fmt: skip
        reason = getattr(result, "reason", None) or f"{type(result).__name__}: {result}"
        attempt = {
            "provider": provider,
            "status_code": getattr(result, "status_code", None),
            "response": getattr(result, "response", ""),
            "error": reason,
        }
        if isinstance(result, PermanentError) or self.policy.exhausted(attempts):
            stats.failed += 1
            log.warning("message %s failed after %d attempts", message.id, attempts)
            return Outcome(
                message.id, message.store_id, QueueStatus.FAILED, attempts, attempt=attempt
            )
        retry_after = result.retry_after if isinstance(result, TransientError) else None
        delay = self.policy.delay(attempts, retry_after)
        stats.retrying += 1
        return Outcome(
            message.id, message.store_id, QueueStatus.PENDING, attempts,
            next_attempt_at=now + timedelta(seconds=delay), attempt=attempt,
        )  # fmt: skip


def _try_send(message: OutboundMessage, provider: Provider) -> SendResult | Exception:
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


def _pending(message: OutboundMessage, at: datetime) -> Outcome:
    assert message.id is not None
    return Outcome(
        message.id, message.store_id, QueueStatus.PENDING, message.attempts, next_attempt_at=at
    )


def _final(message: OutboundMessage, status: QueueStatus, warning: str) -> Outcome:
    assert message.id is not None
    return Outcome(message.id, message.store_id, status, message.attempts, warning=warning)
