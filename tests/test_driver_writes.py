"""The dispatcher's driver-level writes store what the ORM would, and honour the claim.

They bypass SQLAlchemy's statement layer for speed, so these tests hold them
to it: instants stored in the same form as an ORM write (on SQLite, text
that sorts with every other instant), read back as aware UTC; a hand-over
refused for a message another dispatcher holds or whose claim expired; an
answer landing on a message taken over for reconciling but not on one
another dispatcher claimed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import claim_due, mark_handed_many
from rxmsg_tui.services.dispatch.driver_writes import RECONCILE
from rxmsg_tui.services.dispatch.outcomes import Outcome, write_outcomes
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage, Store
from tests.test_dispatcher import NOON, add_messages

ME = Claimant("rx-host", 101, "me")
OTHER = Claimant("rx-host", 202, "other")
LATER = NOON + timedelta(seconds=7, microseconds=250)


def claimed(db: Database, store: Store, *bodies: str) -> dict[str, int]:
    add_messages(db, store, *bodies)
    ids = claim_due(db, ME, now=NOON, limit=len(bodies), lease=timedelta(seconds=60))
    with db.read() as session:
        rows = session.exec(select(OutboundMessage).where(OutboundMessage.id.in_(ids)))  # type: ignore[union-attr]
        return {m.body: m.id for m in rows if m.id is not None}


def test_a_hand_over_is_marked_only_where_the_claim_still_holds(db: Database, store: Store) -> None:
    ids = claimed(db, store, "mine", "theirs", "expired")
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE outbound_message SET claimed_by = :c WHERE id = :i"),
            {"c": str(OTHER), "i": ids["theirs"]},
        )
        connection.execute(
            text("UPDATE outbound_message SET claimed_until = :t WHERE id = :i"),
            {"t": (NOON - timedelta(seconds=1)).replace(tzinfo=None).isoformat(" ")
             if db.is_sqlite else NOON - timedelta(seconds=1), "i": ids["expired"]},
        )  # fmt: skip
    with db.engine.begin() as connection:
        handed = mark_handed_many(connection, ME, list(ids.values()), now=LATER)
    assert handed == {ids["mine"]}
    with db.read() as session:
        sent_at = {m.body: m.sent_at for m in session.exec(select(OutboundMessage))}
    assert sent_at == {"mine": LATER, "theirs": None, "expired": None}


def test_an_answer_is_stored_as_the_orm_stores_instants_and_lands_on_reconciled_messages(
    db: Database, store: Store
) -> None:
    ids = claimed(db, store, "sent", "reconciling", "stolen")
    with db.engine.begin() as connection:
        for body, holder in (("reconciling", RECONCILE), ("stolen", str(OTHER))):
            connection.execute(
                text("UPDATE outbound_message SET claimed_by = :c WHERE id = :i"),
                {"c": holder, "i": ids[body]},
            )
    retry = NOON + timedelta(minutes=5, microseconds=1)
    outcomes = [
        Outcome(ids["sent"], store.id or 0, QueueStatus.SENT, 1, sent_at=LATER,
                provider_message_id="SM1", attempt={"provider": "twilio", "status_code": 201,
                                                    "response": "x" * 3000}),
        Outcome(ids["reconciling"], store.id or 0, QueueStatus.PENDING, 1, next_attempt_at=retry,
                attempt={"provider": "twilio", "status_code": 503, "error": "busy"}),
        Outcome(ids["stolen"], store.id or 0, QueueStatus.SENT, 1, sent_at=LATER),
    ]  # fmt: skip
    with db.engine.begin() as connection:
        assert write_outcomes(connection, ME, outcomes, now=LATER) == 2
    with db.read() as session:
        rows = {m.body: m for m in session.exec(select(OutboundMessage))}
        attempts = list(session.exec(select(MessageAttempt).order_by(MessageAttempt.id)))  # type: ignore[arg-type]
    assert (rows["sent"].status, rows["sent"].sent_at, rows["sent"].claimed_by) == (
        "Sent",
        LATER,
        None,
    )
    assert rows["sent"].provider_message_id == "SM1"
    assert (rows["reconciling"].status, rows["reconciling"].next_attempt_at) == ("Pending", retry)
    assert rows["stolen"].status == "Sending"
    assert [(a.message_id, a.status_code, a.attempted_at) for a in attempts] == [
        (ids["sent"], 201, LATER), (ids["reconciling"], 503, LATER)
    ]  # fmt: skip
    assert len(attempts[0].response) == 2000 and attempts[1].error == "busy"
    if db.is_sqlite:  # the same text an ORM write stores, so ranges and ordering still hold
        with db.engine.connect() as connection:
            stored = connection.execute(
                text("SELECT sent_at, created_at FROM outbound_message WHERE id = :i"),
                {"i": ids["sent"]},
            ).one()
        assert stored == ("2026-03-02 17:00:07.000250", "2026-03-02 17:00:00.000000")
