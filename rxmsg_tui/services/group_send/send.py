"""Step 3: the dry run, and Send to Message Queue in one transaction under one group send.

Both walk the same outcomes (`plan.py`), so the dry run's counts are what
the send queues. Rows are written with a Core bulk insert per chunk (the
texts are already filled in), and only the patients reached get a message:
the ones left out are counted, by reason, on the `group_send` row instead of
filling the queue with thousands of `Undelivered` lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from sqlmodel import select as model_select

from rxmsg_tui.domain.vocabulary import AlertType, Entity, QueueStatus
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.sql import MESSAGE, PATIENT
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.services.group_send.plan import Outcome, Tally, outcomes
from rxmsg_tui.services.group_send.selection import filter_clause, store_today
from rxmsg_tui.services.group_send.types import (
    DryRun,
    Exclusion,
    GroupMessage,
    GroupSendResult,
    GroupSendSummary,
    Preview,
    Selection,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import GroupSend, Store

MAX_EXCLUSIONS = 200
PREVIEWS_PER_CHANNEL = 3
REQUEST_KEY_MAX = 64


def dry_run(
    db: Database, actor: Actor, selection: Selection, message: GroupMessage, *, now: datetime
) -> DryRun:
    """What Send to Message Queue would do, writing nothing."""
    tally = Tally()
    exclusions: list[Exclusion] = []
    previews: list[Preview] = []
    with db.read() as session:
        for chunk in outcomes(session, actor.store_id, selection, message, now=now):
            for o in chunk:
                tally.add(o)
                if o.reason is not None and len(exclusions) < MAX_EXCLUSIONS:
                    exclusions.append(
                        Exclusion(o.target.patient_id, o.target.name, o.channel.value, o.reason)
                    )
                elif o.reason is None and _wants_preview(previews, o):
                    previews.append(
                        Preview(
                            o.target.patient_id, o.target.name, o.channel.value, o.subject, o.body
                        )
                    )
    return DryRun(tally.queued, tally.excluded, exclusions, previews)


def each_outcome(
    db: Database, actor: Actor, selection: Selection, message: GroupMessage, *, now: datetime
) -> list[Outcome]:
    """Every outcome, for `rxmsg group-send --format json` (one line per patient and channel)."""
    with db.read() as session:
        return [
            o
            for chunk in outcomes(session, actor.store_id, selection, message, now=now)
            for o in chunk
        ]


def send_group(
    db: Database,
    actor: Actor,
    selection: Selection,
    message: GroupMessage,
    *,
    request_key: str,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> GroupSendResult:
    """Queue the group once: a request key already used queues nothing and says so."""
    return send_collecting(
        db, actor, selection, message, request_key=request_key, now=now, progress=progress
    )


def send_collecting(
    db: Database,
    actor: Actor,
    selection: Selection,
    message: GroupMessage,
    *,
    request_key: str,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    collect: list[Outcome] | None = None,
) -> GroupSendResult:
    """`send_group`, also handing each outcome to `collect` (`rxmsg group-send --format json`)."""
    key = request_key.strip()
    if not key or len(key) > REQUEST_KEY_MAX:
        raise InvalidInput(f"a request key is 1 to {REQUEST_KEY_MAX} characters")
    with db.transaction() as session:
        if (earlier := _by_key(session, key)) is not None:
            return _result(earlier, already_sent=True)
        group = GroupSend(
            store_id=actor.store_id,
            request_key=key,
            created_at=now,
            username=actor.username,
            methods=list(message.channels),
            email_subject=message.email_subject if message.email else "",
            email_body=message.email_body if message.email else "",
            sms_subject=message.sms_subject if message.sms else "",
            sms_body=message.sms_body if message.sms else "",
        )
        try:
            with session.begin_nested():
                session.add(group)
                session.flush()
        except IntegrityError:
            earlier = _by_key(session, key)
            if earlier is None:
                raise
            return _result(earlier, already_sent=True)
        assert group.id is not None
        total = _selected_count(session, actor.store_id, selection, now=now)
        tally = Tally()
        done = 0
        for chunk in outcomes(session, actor.store_id, selection, message, now=now):
            rows = [_row(actor, group.id, o, now) for o in chunk if o.reason is None]
            if rows:
                session.connection().execute(insert(MESSAGE), rows)
            for o in chunk:
                tally.add(o)
            if collect is not None:
                collect.extend(chunk)
            done += len({o.target.pk for o in chunk})
            if progress is not None:
                progress(done, max(total, done))
        group.selected = done
        group.queued = tally.queued
        group.excluded = _flat(tally.excluded)
        session.add(group)
        audit.record(
            session,
            actor,
            "group_send.send",
            at=now,
            target=f"group send {group.id}",
            after={"selected": done, "queued": tally.queued, "excluded": tally.excluded},
        )
        session.flush()
        return GroupSendResult(group.id, tally.queued, tally.excluded, already_sent=False)


def delete_group_pending(db: Database, actor: Actor, group_send_id: int, *, now: datetime) -> int:
    """Every still-Pending message of the group → Deleted; one audit row with the count."""
    with db.transaction() as session:
        group = session.get(GroupSend, group_send_id)
        if group is None or group.store_id != actor.store_id:
            raise NotFound(f"no group send #{group_send_id} at this store")
        result = session.connection().execute(
            update(MESSAGE)
            .where(
                MESSAGE.c.group_send_id == group_send_id,
                MESSAGE.c.store_id == actor.store_id,
                MESSAGE.c.status == QueueStatus.PENDING.value,
            )
            .values(status=QueueStatus.DELETED.value)
            .execution_options(preserve_rowcount=True)
        )
        count = max(result.rowcount, 0)
        audit.record(
            session,
            actor,
            "group_send.delete_pending",
            at=now,
            target=f"group send {group_send_id}",
            before={"status": QueueStatus.PENDING.value, "count": count},
            after={"status": QueueStatus.DELETED.value, "count": count},
        )
        return count


def list_group_sends(db: Database, store_id: int, *, limit: int = 50) -> list[GroupSendSummary]:
    """The newest group sends first, labelled for the queue's group filter (store time)."""
    with db.read() as session:
        store = session.get(Store, store_id)
        if store is None:
            raise NotFound(f"no store with id {store_id}")
        groups = session.exec(
            model_select(GroupSend)
            .where(GroupSend.store_id == store_id)
            .order_by(col(GroupSend.created_at).desc(), col(GroupSend.id).desc())
            .limit(limit)
        ).all()
    zone = ZoneInfo(store.timezone)
    return [_summary(g, zone) for g in groups]


def _summary(group: GroupSend, zone: ZoneInfo) -> GroupSendSummary:
    assert group.id is not None
    methods = "+".join("Email" if m == "email" else "SMS" for m in group.methods)
    queued = sum(group.queued.values())
    about = group.email_subject or group.sms_subject or group.sms_body or group.email_body
    about = " ".join(about.split())[:40]
    label = (
        f"#{group.id} {group.created_at.astimezone(zone):%m/%d %H:%M} {methods} {queued:,} queued"
    )
    return GroupSendSummary(
        group.id, group.created_at, group.username, list(group.methods),
        f"{label} — {about}" if about else label,
    )  # fmt: skip


def _wants_preview(previews: list[Preview], o: Outcome) -> bool:
    return sum(p.channel == o.channel.value for p in previews) < PREVIEWS_PER_CHANNEL


def _by_key(session: Session, key: str) -> GroupSend | None:
    return session.exec(model_select(GroupSend).where(GroupSend.request_key == key)).first()


def _result(group: GroupSend, *, already_sent: bool) -> GroupSendResult:
    assert group.id is not None
    excluded: dict[str, dict[str, int]] = {}
    for name, count in group.excluded.items():
        channel, _, reason = name.partition("/")
        excluded.setdefault(channel, {})[reason] = count
    return GroupSendResult(group.id, dict(group.queued), excluded, already_sent=already_sent)


def _flat(excluded: dict[str, dict[str, int]]) -> dict[str, int]:
    """`group_send.excluded` holds `channel/reason` → count."""
    return {f"{c}/{r}": n for c, reasons in excluded.items() for r, n in reasons.items()}


def _selected_count(session: Session, store_id: int, selection: Selection, *, now: datetime) -> int:
    if selection.chosen is not None:
        return len(selection.chosen)
    conn = session.connection()
    where = filter_clause(
        store_id,
        selection.flt,
        sqlite=conn.dialect.name == "sqlite",
        today=store_today(conn, store_id, now),
        conn=conn,
    )
    total = int(conn.execute(select(func.count()).select_from(PATIENT).where(where)).scalar_one())
    return max(total - len(selection.excluded), 0)


def _row(actor: Actor, group_id: int, o: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "store_id": actor.store_id,
        "patient_id": o.target.pk,
        "prescription_id": None,
        "group_send_id": group_id,
        "method": o.channel.method.value,
        "alert_type": AlertType.GENERAL.value,
        "priority": int(AlertType.GENERAL.priority),
        "entity": Entity.PATIENT.value,
        "entity_name": f"{o.target.first_name} {o.target.last_name}".strip(),
        "recipient": o.address,
        "subject": o.subject,
        "body": o.body,
        "status": QueueStatus.PENDING.value,
        "warning": "",
        "attempts": 0,
        "dedupe_key": None,
        "created_at": now,
        "scheduled_at": now,
        "created_by": actor.username,
    }
