"""Writes a rule's eligible rows into the queue: one INSERT…SELECT, ON CONFLICT DO NOTHING.

Each rule (refill, birthday, …) describes its rows as a SELECT with labelled
columns; this module adds what every queued message carries and lets the
unique dedupe key drop rows already queued by an earlier or concurrent run.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, RowMapping, Select, literal, select, true
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from rxmsg_tui.domain.default_formats import DefaultFormat
from rxmsg_tui.domain.message_text import render_message
from rxmsg_tui.domain.template_variables import VARIABLES
from rxmsg_tui.domain.templates import TemplateError
from rxmsg_tui.domain.vocabulary import AlertType, Entity, Language, Method, QueueStatus
from rxmsg_tui.services.daily.plan import CREATED_BY, DayPlan
from rxmsg_tui.services.daily.sql import MESSAGE
from rxmsg_tui.services.daily.texts import sql_texts
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.formats.message_formats import format_for, is_html
from rxmsg_tui.storage.bulk import dialect_insert

_BATCH = 2_000
_VARIABLE_NAMES = tuple(v.name for v in VARIABLES)
_INSERTED = (
    "uuid", "store_id", "patient_id", "prescription_id", "method", "alert_type", "priority",
    "entity", "entity_name", "recipient", "subject", "body", "status", "warning", "attempts",
    "dedupe_key", "created_at", "scheduled_at", "created_by",
)  # fmt: skip


@dataclass(frozen=True)
class Candidates:
    """A rule's rows for one channel.

    `rows` labels: patient_pk, prescription_id, dedupe_key, recipient,
    entity_name, language, and any template variable it can fill per row
    (rx_number, drug_name, due_date, …).
    """

    alert: AlertType
    method: Method
    entity: Entity
    rows: Select[Any]


def queue_candidates(session: Session, plan: DayPlan, candidates: Candidates) -> int:
    """Queue the rows not queued yet; returns how many were added."""
    formats = {
        lang: format_for(session, plan.store_id, candidates.method, candidates.alert, lang.value)
        for lang in Language
    }
    found = candidates.rows.subquery("candidate")
    columns = {name: found.c[name] for name in _VARIABLE_NAMES if name in found.c}
    texts = sql_texts(formats, candidates.method, plan.constants, columns, found.c.language)
    if texts is None:
        return _queue_rendered(session, plan, candidates, formats)
    fixed = _fixed_values(plan, candidates)
    values: dict[str, ColumnElement[Any]] = {
        "uuid": plan.dialect.new_uuid(),
        "patient_id": found.c.patient_pk,
        "prescription_id": found.c.prescription_id,
        "entity_name": found.c.entity_name,
        "recipient": found.c.recipient,
        "subject": texts.subject,
        "body": texts.body,
        "dedupe_key": found.c.dedupe_key,
    } | {name: literal(value, MESSAGE.c[name].type) for name, value in fixed.items()}
    rows = select(*(values[name] for name in _INSERTED)).select_from(found)
    # SQLite needs a WHERE before ON CONFLICT to parse INSERT…SELECT unambiguously.
    insert = dialect_insert(session.connection(), MESSAGE)
    statement = insert.from_select(list(_INSERTED), rows.where(true()))
    # psycopg reports the count of an INSERT…SELECT only when asked to keep it.
    counted = _ignore_duplicates(statement).execution_options(preserve_rowcount=True)
    return max(session.connection().execute(counted).rowcount, 0)


def _queue_rendered(
    session: Session,
    plan: DayPlan,
    candidates: Candidates,
    formats: Mapping[Language, DefaultFormat],
) -> int:
    """The same rows, with texts rendered by Jinja2 (formats with `if` or filters)."""
    fixed = _fixed_values(plan, candidates)
    queued = 0
    result = session.connection().execute(candidates.rows)
    while batch := result.mappings().fetchmany(_BATCH):
        keys = [row["dedupe_key"] for row in batch]
        taken = set(session.connection().scalars(
            select(MESSAGE.c.dedupe_key).where(MESSAGE.c.dedupe_key.in_(keys))
        ))  # fmt: skip
        new = [_rendered(plan, row, formats, candidates.method, fixed) for row in batch
               if row["dedupe_key"] not in taken]  # fmt: skip
        if new:
            insert = dialect_insert(session.connection(), MESSAGE)
            session.connection().execute(_ignore_duplicates(insert), new)
        queued += len(new)
    return queued


def _rendered(
    plan: DayPlan,
    row: RowMapping,
    formats: Mapping[Language, DefaultFormat],
    method: Method,
    fixed: Mapping[str, Any],
) -> dict[str, Any]:
    language = row["language"] if row["language"] in set(Language) else Language.ENGLISH.value
    fmt = formats[Language(language)]
    values = dict(plan.constants) | {k: str(row[k]) for k in _VARIABLE_NAMES if k in row}
    try:
        html = is_html(method, fmt.body)
        subject, body = render_message(method, fmt.subject, fmt.body, values, html=html)
    except TemplateError as exc:
        raise InvalidInput(
            f"the {method.value} format of {fixed['alert_type']} cannot be filled in: {exc}"
        ) from None
    return dict(fixed) | {
        "uuid": str(uuid.uuid4()),
        "patient_id": row["patient_pk"],
        "prescription_id": row["prescription_id"],
        "entity_name": row["entity_name"],
        "recipient": row["recipient"],
        "subject": subject,
        "body": body,
        "dedupe_key": row["dedupe_key"],
    }


def _fixed_values(plan: DayPlan, candidates: Candidates) -> dict[str, Any]:
    return {
        "store_id": plan.store_id,
        "method": candidates.method.value,
        "alert_type": candidates.alert.value,
        "priority": int(candidates.alert.priority),
        "entity": candidates.entity.value,
        "status": QueueStatus.PENDING.value,
        "warning": "",
        "attempts": 0,
        "created_at": plan.now,
        "scheduled_at": plan.now,
        "created_by": CREATED_BY,
    }


def _ignore_duplicates(statement: Insert) -> Insert:
    """A dedupe key already queued (by this run, a re-run or another process) adds nothing."""
    on_conflict: Insert = statement.on_conflict_do_nothing()  # type: ignore[attr-defined]
    return on_conflict
