"""Sign-in by OS account: the first user is admin, strangers are refused, admins set roles."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from rxmsg_tui.cli import main
from rxmsg_tui.cli.state import current_login
from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.services.users import add_user, change_role, list_users, sign_in
from rxmsg_tui.storage.database import Database
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


def test_admins_change_roles_but_the_last_admin_stays(
    db: Database, store: Store, clock: Clock
) -> None:
    admin = sign_in(db, store, "alice", now=clock.now())
    add_user(db, admin, "bob", "pharmacist", now=clock.now())
    with pytest.raises(InvalidInput, match="alice is the only admin of store TEST"):
        change_role(db, admin, "alice", "technician", now=clock.now())
    change_role(db, admin, "bob", "admin", now=clock.now())
    bob = sign_in(db, store, "bob", now=clock.now())
    change_role(db, bob, "alice", "technician", now=clock.now())
    alice = sign_in(db, store, "alice", now=clock.now())
    assert alice.role is Role.TECHNICIAN
    with pytest.raises(PermissionDenied, match="only an admin may change roles"):
        change_role(db, alice, "bob", "technician", now=clock.now())
    with pytest.raises(InvalidInput, match="not a user of store TEST"):
        change_role(db, bob, "carol", "admin", now=clock.now())
    with db.read() as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == "user.role"))
        changes = [(a.username, a.target, a.before, a.after) for a in rows]
    assert changes == [
        ("alice", "bob", '"pharmacist"', '"admin"'),
        ("bob", "alice", '"admin"', '"technician"'),
    ]


def test_the_login_is_the_os_account_not_logname(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("LOGNAME", "root" if real != "root" else "somebody-else")
    monkeypatch.setenv("USER", "root" if real != "root" else "somebody-else")
    assert current_login() == real


def test_a_uid_without_a_password_entry_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    unknown = next(uid for uid in range(54321, 64000) if not _has_entry(uid))
    monkeypatch.setattr(os, "getuid", lambda: unknown)
    for key in list(os.environ):
        if key.startswith("RXMSG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RXMSG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(main, ["settings", "show"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"rxmsg: this process runs as uid {unknown}, which has no entry in the password "
        "database, so rxmsg cannot tell who you are; log in with your own account"
    ]
    assert not (tmp_path / "rxmsg.db").exists(), "refused before the database is touched"


def _has_entry(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True
