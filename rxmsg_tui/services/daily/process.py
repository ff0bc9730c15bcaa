"""The daily process: every rule of Alert Settings applied to one store for one day.

Each rule and channel is one INSERT…SELECT in its own short transaction (a
long SQLite write lock would stall the dispatcher), and a run is recorded when
it is complete. Dedupe keys make every part safe to repeat, so a run cut short
is simply run again, and two processes running the same day queue each
message once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.greetings import birthday_candidates, welcome_candidates
from rxmsg_tui.services.daily.insert import Candidates, queue_candidates
from rxmsg_tui.services.daily.pickup import followup_candidates, review_resend_candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.refill import refill_candidates
from rxmsg_tui.services.daily.sql import Dialect
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.errors import NotFound
from rxmsg_tui.services.formats.review_sites import default_site
from rxmsg_tui.services.messages.template_values import store_values
from rxmsg_tui.storage.models import AlertSettings, DailyRun, Store

MAX_CATCH_UP_DAYS = 7
"""Downtime longer than a week is not caught up: a greeting that late does more harm than good."""

PARTS = ("refill", "pickup_followup", "birthday", "welcome", "review_resend")


@dataclass(frozen=True)
class DailyResult:
    store_code: str
    day: date
    since: date
    queued: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.queued.values())


def run_daily(
    db: Database,
    actor: Actor,
    *,
    now: datetime,
    day: date | None = None,
    catch_up: bool = False,
    trigger: str = "cli",
) -> DailyResult:
    """Apply the rules for `day` (the store's today when None).

    With `catch_up`, the days since the last finished run (at most a week) are
    covered too: birthdays, welcomes and follow-ups that fell on them are sent
    now. Refill windows span several days, so today's rule covers those.
    """
    with db.read() as session:
        plan = _plan(session, actor.store_id, now=now, day=day, catch_up=catch_up, db=db)
    queued = dict.fromkeys(PARTS, 0)
    for part, candidates in _candidates(plan):
        with db.transaction() as session:
            queued[part] += queue_candidates(session, plan, candidates)
    with db.transaction() as session:
        session.add(
            DailyRun(
                store_id=plan.store_id,
                run_date=plan.day,
                caught_up_from=plan.since,
                started_at=now,
                finished_at=max(now, plan.now),
                queued=queued,
                trigger=trigger,
                username=actor.username,
            )
        )
        audit.record(
            session, actor, "daily.run", at=now, target=plan.day.isoformat(),
            after={"since": plan.since.isoformat(), "queued": queued, "trigger": trigger},
        )  # fmt: skip
    return DailyResult(plan.store_code, plan.day, plan.since, queued)


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
    settings = session.exec(
        sqlmodel_select(AlertSettings).where(AlertSettings.store_id == store_id)
    ).first()
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
    )


def _candidates(plan: DayPlan) -> Iterator[tuple[str, Candidates]]:
    s = plan.settings
    for name in s.refill_channels:
        if (found := refill_candidates(plan, Channel(name))) is not None:
            yield "refill", found
    for name in s.pickup_channels:
        for days in s.pickup_followup_days:
            yield "pickup_followup", followup_candidates(plan, Channel(name), days)
    for name in s.birthday_channels:
        for year in sorted({d.year for d in plan.days()}):
            if (found := birthday_candidates(plan, Channel(name), year)) is not None:
                yield "birthday", found
    for name in s.welcome_channels:
        yield "welcome", welcome_candidates(plan, Channel(name))
    if "review_url" in plan.constants:  # review requests need the store's review site
        for name in s.review_channels:
            if (found := review_resend_candidates(plan, Channel(name))) is not None:
                yield "review_resend", found
