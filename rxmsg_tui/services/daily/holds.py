"""Held daily messages: what the flood guard held, in words, and an admin's release.

A hold names one alert on one day. Releasing it is an admin's decision
(audited); the held alert is then queued for that day by the daily process,
which the confirmed hold no longer stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from rxmsg_tui.domain.held_alerts import GUARDED, HELD_ALERTS
from rxmsg_tui.domain.vocabulary import AlertType, Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.process import DailyResult, run_daily
from rxmsg_tui.services.errors import InvalidInput, NotFound, PermissionDenied
from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import DailyHold, DailyRun

_PART_OF = {alert: part for part, alert in GUARDED.items()}
RELEASE_HOW = "rxmsg run-daily --release {alert} (or Held Daily Messages, by an admin)"


@dataclass(frozen=True)
class HeldAlert:
    """One unconfirmed hold, as staff read it."""

    id: int
    run_date: date
    alert: str
    would_queue: int
    patient_total: int

    @property
    def alert_name(self) -> str:
        return _screen_name(self.alert)

    def notice(self) -> str:
        """'Welcome Greeting held on 12/07: would reach 148,210 of 150,000 patients (99%).'"""
        share = self.would_queue / self.patient_total if self.patient_total else 1.0
        return (
            f"{self.alert_name} held on {self.run_date:%m/%d}: would reach "
            f"{self.would_queue:,} of {self.patient_total:,} patients ({share:.0%})."
        )

    def how_to_release(self) -> str:
        return "An admin can release it: " + RELEASE_HOW.format(alert=self.alert)


def _screen_name(short: str) -> str:
    """'welcome' → 'Welcome Greeting'; a name no alert has is shown as stored."""
    try:
        return AlertType.from_short(short).value
    except KeyError:
        return short


def held_alerts(db: Database, store_id: int) -> list[HeldAlert]:
    """The store's unconfirmed holds, newest day first."""
    query = (
        select(DailyHold)
        .where(
            DailyHold.store_id == store_id,  # type: ignore[arg-type]
            DailyHold.confirmed_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(DailyHold.run_date.desc(), DailyHold.alert)  # type: ignore[attr-defined]
    )
    with db.read() as session:
        return [_held(row) for row in session.execute(query).scalars()]


def last_run_failures(db: Database, store_id: int) -> tuple[date, dict[str, str]] | None:
    """The newest run's failed parts, when it had any: staff should hear of them."""
    runs = table(DailyRun)
    query = (
        select(runs.c.run_date, runs.c.queued)
        .where(runs.c.store_id == store_id)
        .order_by(runs.c.id.desc())
        .limit(1)
    )
    with db.read() as session:
        found = session.connection().execute(query).first()
    if found is None or not isinstance(found[1], dict) or not found[1].get("failed"):
        return None
    return found[0], {str(k): str(v) for k, v in found[1]["failed"].items()}


def release(
    db: Database, actor: Actor, alert: str, *, now: datetime, day: date | None = None
) -> DailyResult:
    """Confirm the hold of `alert` (on `day`, else its newest) and queue it for its day."""
    if alert not in HELD_ALERTS:
        raise InvalidInput(
            f"{alert!r} is not an alert the flood guard holds; one of {', '.join(HELD_ALERTS)}"
        )
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(
            f"{actor.username} is not an admin; only an admin can release held messages"
        )
    with db.transaction() as session:
        found = _open_hold(session, actor.store_id, alert, day)
        if found is None:
            when = f" on {day.isoformat()}" if day else ""
            raise NotFound(f"no held {_screen_name(alert)}{when} to release")
        found.confirmed_by, found.confirmed_at = actor.username, now
        session.add(found)
        held = _held(found)
        audit.record(
            session, actor, "daily.released", at=now, target=held.run_date.isoformat(),
            after={"alert": alert, "would_queue": held.would_queue,
                   "patients": held.patient_total},
        )  # fmt: skip
    return run_daily(db, actor, now=now, day=held.run_date, trigger="release",
                     parts=(_PART_OF[alert],))  # fmt: skip


def _open_hold(session: Session, store_id: int, alert: str, day: date | None) -> DailyHold | None:
    query = select(DailyHold).where(
        DailyHold.store_id == store_id,  # type: ignore[arg-type]
        DailyHold.alert == alert,  # type: ignore[arg-type]
        DailyHold.confirmed_at.is_(None),  # type: ignore[union-attr]
    )
    if day is not None:
        query = query.where(DailyHold.run_date == day)  # type: ignore[arg-type]
    query = query.order_by(DailyHold.run_date.desc())  # type: ignore[attr-defined]
    found: DailyHold | None = session.execute(query).scalars().first()
    return found


def _held(row: DailyHold) -> HeldAlert:
    assert row.id is not None
    return HeldAlert(row.id, row.run_date, row.alert, row.would_queue, row.patient_total)
