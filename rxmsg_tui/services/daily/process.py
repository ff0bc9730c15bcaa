"""The daily process: every rule of Alert Settings applied to one store for one day.

Each rule and channel is one INSERT…SELECT in its own short transaction (a
long SQLite write lock would stall the dispatcher) and its own failure: one
that fails is recorded with the run and the others still run. Refill
reminders are the exception: their channels share one transaction, around the
day's window read once into a temporary table, each channel in a savepoint of
its own (`_queue_together`, `refill.refill_window`). A run is
recorded when it is complete. Dedupe keys make every part safe to repeat, so a run cut short
is simply run again, and two processes running the same day queue each
message once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from rxmsg_tui.domain.held_alerts import GUARDED
from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.flood_guard import (
    find_hold,
    hold,
    is_flood,
    patient_total,
    would_reach,
)
from rxmsg_tui.services.daily.greetings import (
    birth_years,
    birthday_candidates,
    welcome_candidates,
)
from rxmsg_tui.services.daily.insert import Candidates, queue_candidates
from rxmsg_tui.services.daily.pickup import followup_candidates, review_resend_candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.refill import refill_candidates, refill_window
from rxmsg_tui.services.daily.sql import Dialect
from rxmsg_tui.services.errors import NotFound
from rxmsg_tui.services.formats.review_sites import default_site
from rxmsg_tui.services.messages.template_values import store_values
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import DailyRun, Store
from rxmsg_tui.storage.queries import alert_settings_or_none

MAX_CATCH_UP_DAYS = 7
"""Downtime longer than a week is not caught up: a greeting that late does more harm than good."""

PARTS = ("refill", "pickup_followup", "birthday", "welcome", "review_resend")
_REASON_CHARS = 200

log = logging.getLogger("rxmsg.daily")


@dataclass(frozen=True)
class Held:
    """An alert the flood guard held for the run's day (see `flood_guard`)."""

    alert: str
    would_queue: int
    patients: int


@dataclass(frozen=True)
class DailyResult:
    store_code: str
    day: date
    since: date
    queued: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    """`part/channel` → why it failed; the other parts ran all the same."""
    held: list[Held] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.queued.values())


Build = Callable[[], "Candidates | None"]
Shared = Callable[[Session, DayPlan], AbstractContextManager[None]]
"""What a part's channels read in common, set up once within their transaction."""
_SHARED: dict[str, Shared] = {"refill": refill_window}
"""Parts whose channels read one table filled once (in the same transaction as their writes)."""


def run_daily(
    db: Database,
    actor: Actor,
    *,
    now: datetime,
    day: date | None = None,
    catch_up: bool = False,
    trigger: str = "cli",
    parts: Collection[str] = PARTS,
) -> DailyResult:
    """Apply the rules for `day` (the store's today when None).

    With `catch_up`, the days since the last finished run (at most a week) are
    covered too: birthdays, welcomes and follow-ups that fell on them are sent
    now. Refill windows span several days, so today's rule covers those.

    Each rule and channel runs on its own: one that fails (a format that cannot
    be filled in, a database error) is logged, audited and recorded with the
    run, and the others are queued all the same.
    """
    with db.read() as session:
        plan = _plan(session, actor.store_id, now=now, day=day, catch_up=catch_up, db=db)
    run = _Run(db, plan)
    for part in PARTS:
        if part in parts:
            run.part(part, partial(_steps, plan, part))
    _record(db, actor, plan, run, now=now, trigger=trigger)
    return DailyResult(plan.store_code, plan.day, plan.since, run.queued, run.failed, run.held)


class _Run:
    """What one run has queued, held and failed so far."""

    def __init__(self, db: Database, plan: DayPlan) -> None:
        self.db, self.plan = db, plan
        self.queued = dict.fromkeys(PARTS, 0)
        self.failed: dict[str, str] = {}
        self.held: list[Held] = []

    def part(self, part: str, steps: Callable[[], Iterator[tuple[str, Build]]]) -> None:
        built: list[tuple[str, Candidates]] = []
        planned: list[tuple[str, Build]] = []
        with self._guarded(part):
            planned = list(steps())
        for label, build in planned:
            with self._guarded(f"{part}/{label}"):
                if (candidates := build()) is not None:
                    built.append((label, candidates))
        alert = GUARDED.get(part)
        if alert is not None and built:
            with self._guarded(f"{part}/flood guard"):
                if self._holds(alert, [c for _, c in built]):
                    return
            if f"{part}/flood guard" in self.failed:
                return  # unknown reach: better a day late than a flood
        shared = _SHARED.get(part)
        if shared is not None:
            self._queue_together(part, built, shared)
            return
        for label, candidates in built:
            with self._guarded(f"{part}/{label}"), self.db.transaction() as session:
                self.queued[part] += queue_candidates(session, self.plan, candidates)

    def _queue_together(
        self, part: str, built: list[tuple[str, Candidates]], shared: Shared
    ) -> None:
        """Every channel of the part in one transaction around what they read in common.

        Each channel writes in a savepoint of its own: one that fails is
        reported as before and the others are queued. Should the transaction
        itself fail, every channel not yet reported is.
        """
        if not built:
            return
        queued = 0
        try:
            with self.db.transaction() as session, shared(session, self.plan):
                for label, candidates in built:
                    with self._guarded(f"{part}/{label}"), session.begin_nested():
                        queued += queue_candidates(session, self.plan, candidates)
        except Exception as exc:  # one rule's fault must not stop the others
            for label, _ in built:
                if f"{part}/{label}" not in self.failed:
                    with self._guarded(f"{part}/{label}"):
                        raise exc
            return
        self.queued[part] += queued

    def _holds(self, alert: str, candidates: list[Candidates]) -> bool:
        plan = self.plan
        with self.db.read() as session:
            found = find_hold(session, plan.store_id, plan.day, alert)
            if found is not None and found.confirmed_at is not None:
                return False
            if found is not None:
                self.held.append(Held(alert, found.would_queue, found.patient_total))
                return True
            reach = would_reach(session, candidates)
            patients = patient_total(session, plan.store_id)
        if not is_flood(reach, patients, plan.settings.flood_guard_share):
            return False
        with self.db.transaction() as session:
            hold(session, plan, alert, reach=reach, patients=patients, at=plan.now)
        log.warning(
            "daily process for %s, %s: %s held (%d of %d patients)",
            plan.store_code, plan.day, alert, reach, patients,
        )  # fmt: skip
        self.held.append(Held(alert, reach, patients))
        return True

    @contextmanager
    def _guarded(self, where: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:  # one rule's fault must not stop the others
            reason = _reason(exc)
            self.failed[where] = reason
            log.error("daily process for %s, %s: %s failed: %s",
                      self.plan.store_code, self.plan.day, where, reason)  # fmt: skip


def _reason(exc: BaseException) -> str:
    """One line, without the SQL parameters a database error would quote (patient data)."""
    if isinstance(exc, SQLAlchemyError):
        text = str(getattr(exc, "orig", None) or type(exc).__name__)
    else:
        text = str(exc) or type(exc).__name__
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first[:_REASON_CHARS]


def _record(
    db: Database, actor: Actor, plan: DayPlan, run: _Run, *, now: datetime, trigger: str
) -> None:
    """The run's row and audit: what was queued, held and failed."""
    outcome: dict[str, Any] = dict(run.queued)
    if run.failed:
        outcome["failed"] = dict(run.failed)
    if run.held:
        outcome["held"] = {h.alert: h.would_queue for h in run.held}
    with db.transaction() as session:
        session.add(
            DailyRun(
                store_id=plan.store_id,
                run_date=plan.day,
                caught_up_from=plan.since,
                started_at=now,
                finished_at=max(now, plan.now),
                queued=outcome,
                trigger=trigger,
                username=actor.username,
            )
        )
        audit.record(
            session, actor, "daily.run", at=now, target=plan.day.isoformat(),
            after={"since": plan.since.isoformat(), "queued": outcome, "trigger": trigger},
        )  # fmt: skip
        for where, reason in run.failed.items():
            audit.record(
                session, actor, "daily.failed", at=now, target=plan.day.isoformat(),
                after={"part": where, "reason": reason},
            )  # fmt: skip
        for held in run.held:
            audit.record(
                session, actor, "daily.held", at=now, target=plan.day.isoformat(),
                after={"alert": held.alert, "would_queue": held.would_queue,
                       "patients": held.patients},
            )  # fmt: skip


def last_finished_day(session: Session, store_id: int) -> date | None:
    found: date | None = session.connection().scalar(
        select(func.max(DailyRun.run_date)).where(DailyRun.store_id == store_id)  # type: ignore[arg-type]
    )
    return found


def _plan(
    session: Session,
    store_id: int,
    *,
    now: datetime,
    day: date | None,
    catch_up: bool,
    db: Database,
) -> DayPlan:
    store = session.get(Store, store_id)
    settings = alert_settings_or_none(session, store_id)
    if store is None or settings is None:
        raise NotFound(f"store {store_id} has no alert settings; the database is incomplete")
    zone = ZoneInfo(store.timezone)
    today = day or now.astimezone(zone).date()
    since = today
    last = last_finished_day(session, store_id) if catch_up else None
    if last is not None and last < today:
        since = max(last + timedelta(days=1), today - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    constants = store_values(store, today)
    site = default_site(session, store_id)
    if site is not None:
        constants["review_url"] = site.url
    return DayPlan(
        store_id=store_id,
        store_code=store.code,
        zone=zone,
        day=today,
        since=since,
        now=now,
        settings=settings,
        constants=constants,
        dialect=Dialect(db.engine.dialect.name),
        go_live=store.go_live,
        birth_years=(
            birth_years(session.connection(), store_id) if settings.birthday_channels else None
        ),
    )


def _steps(plan: DayPlan, part: str) -> Iterator[tuple[str, Build]]:
    """The part's statements, one per channel (and day count or year), built when run."""
    s = plan.settings
    if part == "refill":
        for name in s.refill_channels:
            yield name, partial(_on_channel, refill_candidates, plan, name)
    elif part == "pickup_followup":
        for name in s.pickup_channels:
            for days in s.pickup_followup_days:
                yield (
                    f"{name} after {days} days",
                    partial(followup_candidates, plan, Channel(name), days),
                )
    elif part == "birthday":
        for name in s.birthday_channels:
            for year in sorted({d.year for d in plan.days()}):
                yield f"{name} {year}", partial(_on_channel, birthday_candidates, plan, name, year)
    elif part == "welcome":
        for name in s.welcome_channels:
            yield name, partial(_on_channel, welcome_candidates, plan, name)
    elif part == "review_resend" and "review_url" in plan.constants:
        for name in s.review_channels:  # review requests need the store's review site
            yield name, partial(_on_channel, review_resend_candidates, plan, name)


def _on_channel(
    rule: Callable[..., Candidates | None], plan: DayPlan, name: str, *more: Any
) -> Candidates | None:
    """The rule for the channel named in the settings (a bad name fails this step only)."""
    return rule(plan, Channel(name), *more)
