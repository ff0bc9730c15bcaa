"""The store's restricted-word list: admins edit it; every message path checks against it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from rxmsg_tui.domain.restricted_words import RestrictedMatch, find_restricted, normalise_word
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, NotFound, PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import RestrictedWord


def store_words(session: Session, store_id: int) -> list[str]:
    query = select(RestrictedWord.word).where(RestrictedWord.store_id == store_id)
    return list(session.exec(query.order_by(col(RestrictedWord.word))))


def first_restricted(session: Session, store_id: int, *texts: str) -> RestrictedMatch | None:
    """The first restricted word in any of `texts` (subject, body, …), or None."""
    words = store_words(session, store_id)
    for text in texts:
        found = find_restricted(text, words)
        if found:
            return found[0]
    return None


def list_words(db: Database, store_id: int) -> list[str]:
    with db.read() as session:
        return store_words(session, store_id)


def add_word(db: Database, actor: Actor, word: str, *, now: datetime) -> str:
    _require_admin(actor)
    normalised = normalise_word(word)
    if not normalised or len(normalised) > 64:
        raise InvalidInput(f"{word!r} is not a word that can be restricted")
    with db.transaction() as session:
        if normalised in store_words(session, actor.store_id):
            raise InvalidInput(f"{normalised!r} is already restricted")
        session.add(RestrictedWord(store_id=actor.store_id, word=normalised, created_at=now))
        audit.record(session, actor, "restricted_word.add", at=now, target=normalised)
    return normalised


def remove_word(db: Database, actor: Actor, word: str, *, now: datetime) -> None:
    _require_admin(actor)
    normalised = normalise_word(word)
    with db.transaction() as session:
        row = session.exec(
            select(RestrictedWord).where(
                RestrictedWord.store_id == actor.store_id, RestrictedWord.word == normalised
            )
        ).first()
        if row is None:
            raise NotFound(f"{word!r} is not on the restricted list")
        session.delete(row)
        audit.record(session, actor, "restricted_word.remove", at=now, target=normalised)


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin may change the restricted words")
