"""2-way Message Templates (Quick Responses): canned replies for text chat.

A quick response is sent as an SMS, so it is checked as an SMS format is:
it must render with the sample and the longest values within 10 segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from rxmsg_tui.domain.message_text import MessageTextError, check_format
from rxmsg_tui.domain.restricted_words import find_restricted
from rxmsg_tui.domain.text_limits import TextLimitError, check_single_line
from rxmsg_tui.domain.vocabulary import AlertType, Method
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound
from rxmsg_tui.services.formats.restricted import store_words
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import QuickResponse


@dataclass(frozen=True)
class QuickResponseRow:
    id: int
    description: str
    body: str


def list_responses(db: Database, store_id: int) -> list[QuickResponseRow]:
    with db.read() as session:
        query = select(QuickResponse).where(QuickResponse.store_id == store_id)
        rows = session.exec(query.order_by(col(QuickResponse.description)))
        return [QuickResponseRow(r.id or 0, r.description, r.body) for r in rows]


def save_response(
    db: Database,
    actor: Actor,
    *,
    description: str,
    body: str,
    response_id: int | None = None,
    now: datetime,
) -> QuickResponseRow:
    """Staff of any role keep the chat templates; the same checks as formats apply."""
    description = description.strip()
    if not description or len(description) > 80:
        raise FieldError("description", "enter a short description (1 to 80 characters)")
    if not body.strip():
        raise FieldError("body", "the message is empty")
    try:
        check_single_line("description", description)
        check_format(Method.SMS, AlertType.GENERAL, "", body)
    except TextLimitError as exc:
        raise FieldError(exc.field, str(exc)) from None
    except MessageTextError as exc:
        raise FieldError(exc.field, str(exc)) from None
    with db.transaction() as session:
        found = find_restricted(body, store_words(session, actor.store_id))
        if found:
            raise FieldError("body", f"restricted word {found[0].word!r}")
        if response_id is None:
            row = QuickResponse(store_id=actor.store_id, description="", body="", updated_at=now)
            before = None
        else:
            existing = session.get(QuickResponse, response_id)
            if existing is None or existing.store_id != actor.store_id:
                raise NotFound(f"quick response {response_id} does not exist")
            row, before = existing, {"description": existing.description, "body": existing.body}
        row.description, row.body, row.updated_at = description, body, now
        session.add(row)
        session.flush()
        assert row.id is not None
        audit.record(
            session,
            actor,
            "quick_response.save",
            at=now,
            target=description,
            before=before,
            after={"description": description, "body": body},
        )
        return QuickResponseRow(row.id, description, body)


def delete_response(db: Database, actor: Actor, response_id: int, *, now: datetime) -> None:
    with db.transaction() as session:
        existing = session.get(QuickResponse, response_id)
        if existing is None or existing.store_id != actor.store_id:
            raise NotFound(f"quick response {response_id} does not exist")
        session.delete(existing)
        audit.record(
            session,
            actor,
            "quick_response.delete",
            at=now,
            target=existing.description,
            before={"description": existing.description, "body": existing.body},
        )
