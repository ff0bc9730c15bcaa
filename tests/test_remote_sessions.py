"""Remote support sessions reach the audit log with the peer, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from rxmsg_tui.services import audit, remote_sessions
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.storage.database import Database
from tests.conftest import NOW


def test_a_session_start_and_end_are_audited(db: Database, admin: Actor) -> None:
    remote_sessions.session_started(db, admin, peer="10.1.2.3", session="ab12", at=NOW)
    remote_sessions.session_ended(
        db,
        admin,
        peer="10.1.2.3",
        session="ab12",
        at=NOW + timedelta(minutes=16),
        reason="idle",
        seconds=960,
    )
    with db.read() as session:
        rows = list(reversed(audit.recent(session, admin.store_id)))
    assert [(r.action, r.target, r.username) for r in rows] == [
        ("serve.session", "10.1.2.3", "alice"),
        ("serve.session", "10.1.2.3", "alice"),
    ]
    assert json.loads(rows[0].after or "") == {"event": "start", "session": "ab12"}
    assert json.loads(rows[1].after or "") == {
        "event": "end",
        "session": "ab12",
        "reason": "idle",
        "seconds": 960,
    }


def test_a_long_peer_fits_the_audit_target(db: Database, admin: Actor) -> None:
    remote_sessions.session_started(db, admin, peer="x" * 500, session="cd34", at=NOW)
    with db.read() as session:
        [row] = audit.recent(session, admin.store_id)
    assert len(row.target) == remote_sessions.PEER_MAX
