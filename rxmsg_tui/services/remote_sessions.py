"""Remote support sessions (`rxmsg serve`) in the audit log: who opened the TUI from where.

A browser session runs the full admin TUI, so the pharmacy must be able to
see afterwards when one started, from which address, and how it ended.
"""

from __future__ import annotations

from datetime import datetime

from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.storage.database import Database

ACTION = "serve.session"
PEER_MAX = 200
"""The audit target column holds 200 characters; a peer address is far shorter."""


def session_started(db: Database, actor: Actor, *, peer: str, session: str, at: datetime) -> None:
    """Record that a browser at `peer` opened a session; a failure here refuses the session."""
    with db.transaction() as tx:
        audit.record(
            tx,
            actor,
            ACTION,
            at=at,
            target=peer[:PEER_MAX],
            after={"event": "start", "session": session},
        )


def session_ended(
    db: Database,
    actor: Actor,
    *,
    peer: str,
    session: str,
    at: datetime,
    reason: str,
    seconds: int,
) -> None:
    """Record how a session ended (`closed` by the browser, `idle`, or server `shutdown`)."""
    with db.transaction() as tx:
        audit.record(
            tx,
            actor,
            ACTION,
            at=at,
            target=peer[:PEER_MAX],
            after={"event": "end", "session": session, "reason": reason, "seconds": seconds},
        )
