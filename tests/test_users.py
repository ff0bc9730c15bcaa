"""Sign-in by OS login: the first user is admin, strangers are refused, admins add users."""

from __future__ import annotations

import pytest
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.services.users import add_user, list_users, sign_in
from rxmsg_tui.storage.models import AuditLog, Store


def test_first_user_on_a_new_database_becomes_admin(
    db: Database, store: Store, clock: Clock
) -> None:
    actor = sign_in(db, store, "alice", now=clock.now())
    assert actor.role is Role.ADMIN
    assert sign_in(db, store, "alice", now=clock.now()).role is Role.ADMIN
    with pytest.raises(PermissionDenied, match="rxmsg users add bob --role technician"):
        sign_in(db, store, "bob", now=clock.now())


def test_admins_add_users_with_roles_and_it_is_audited(
    db: Database, store: Store, clock: Clock
) -> None:
    admin = sign_in(db, store, "alice", now=clock.now())
    add_user(db, admin, "bob", "technician", now=clock.now())
    bob = sign_in(db, store, "bob", now=clock.now())
    assert bob.role is Role.TECHNICIAN
    with pytest.raises(PermissionDenied, match="only an admin"):
        add_user(db, bob, "carol", "admin", now=clock.now())
    with pytest.raises(InvalidInput, match="already exists"):
        add_user(db, admin, "bob", "pharmacist", now=clock.now())
    with pytest.raises(InvalidInput, match="role must be one of"):
        add_user(db, admin, "carol", "owner", now=clock.now())
    with pytest.raises(InvalidInput, match="not a valid login name"):
        add_user(db, admin, "rm -rf", "technician", now=clock.now())
    assert [(u.username, u.role) for u in list_users(db, admin.store_id)] == [
        ("alice", "admin"),
        ("bob", "technician"),
    ]
    with db.read() as session:
        targets = [
            a.target for a in session.exec(select(AuditLog).where(AuditLog.action == "user.add"))
        ]
    assert targets == ["alice", "bob"]
