"""Maps the OS login (as over SSH) to a role; the first user of a new database is admin.

The login comes from the composition root, which takes it from the OS account
of the process (never from LOGNAME or USER, which anybody can set).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AppUser, Store

_USERNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,63}$")


def sign_in(db: Database, store: Store, username: str, *, now: datetime) -> Actor:
    """The actor for `username` at `store`, or a refusal that says how to get access."""
    assert store.id is not None
    with db.transaction() as session:
        if _user_count(session) == 0:
            session.add(
                AppUser(
                    store_id=store.id,
                    username=username,
                    role=Role.ADMIN,
                    created_at=now,
                    created_by="(first user)",
                )
            )
            actor = Actor(store.id, store.code, username, Role.ADMIN)
            audit.record(session, actor, "user.add", at=now, target=username, after="admin")
            return actor
        found = session.exec(
            select(AppUser).where(AppUser.store_id == store.id, AppUser.username == username)
        ).first()
    if found is None or not found.active:
        raise PermissionDenied(
            f"user {username!r} may not use rxmsg at store {store.code}; "
            f"an admin can run: rxmsg users add {username} --role technician"
        )
    return Actor(store.id, store.code, username, Role(found.role))


def add_user(db: Database, actor: Actor, username: str, role: str, *, now: datetime) -> AppUser:
    """Admins add users; adding an existing name changes nothing and says so."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(f"only an admin may add users ({actor.username} is {actor.role})")
    if not _USERNAME.match(username):
        raise InvalidInput(f"{username!r} is not a valid login name")
    chosen = _role(role)
    with db.transaction() as session:
        existing = session.exec(
            select(AppUser).where(AppUser.store_id == actor.store_id, AppUser.username == username)
        ).first()
        if existing is not None:
            raise InvalidInput(f"user {username!r} already exists with role {existing.role}")
        user = AppUser(
            store_id=actor.store_id,
            username=username,
            role=chosen,
            created_at=now,
            created_by=actor.username,
        )
        session.add(user)
        audit.record(session, actor, "user.add", at=now, target=username, after=chosen.value)
    return user


def change_role(db: Database, actor: Actor, username: str, role: str, *, now: datetime) -> None:
    """Admins change a user's role; the store always keeps at least one admin."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(f"only an admin may change roles ({actor.username} is {actor.role})")
    chosen = _role(role)
    with db.transaction() as session:
        user = session.exec(
            select(AppUser).where(AppUser.store_id == actor.store_id, AppUser.username == username)
        ).first()
        if user is None:
            raise InvalidInput(f"user {username!r} is not a user of store {actor.store_code}")
        if user.role == Role.ADMIN and chosen is not Role.ADMIN:
            admins = session.exec(
                select(func.count())
                .select_from(AppUser)
                .where(
                    AppUser.store_id == actor.store_id,
                    AppUser.role == Role.ADMIN,
                    col(AppUser.active).is_(True),
                )
            ).one()
            if admins <= 1:
                raise InvalidInput(f"{username} is the only admin of store {actor.store_code}")
        before = str(user.role)
        user.role = chosen
        session.add(user)
        audit.record(
            session, actor, "user.role", at=now, target=username, before=before, after=chosen.value
        )


def list_users(db: Database, store_id: int) -> list[AppUser]:
    with db.read() as session:
        query = select(AppUser).where(AppUser.store_id == store_id).order_by(AppUser.username)
        return list(session.exec(query))


def _user_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AppUser)).one())


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(
            f"role must be one of {', '.join(r.value for r in Role)}; got {role!r}"
        ) from None
