"""Consent is checked again when a message is sent: a STOP while it waited stops it."""

from __future__ import annotations

from datetime import date, timedelta

from rxmsg_tui.clock import Clock
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from tests.conftest import NOW
from tests.daily_world import World
from tests.test_dispatcher import ScriptedProvider


def test_stop_and_withdrawn_consent_after_queueing_keep_messages_from_going(
    db: Database, store: Store, admin: Actor
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=["email", "sms"])
    stopped, withdrawn, willing = (world.patient(f"P{n}") for n in range(3))
    drug = world.drug()
    for n, pk in enumerate((stopped, withdrawn, willing)):
        world.rx(pk, drug, f"R{n}", last_fill=date(2026, 2, 1))  # due 3 March
    run_daily(db, admin, now=NOW, day=date(2026, 3, 2))
    assert len(world.queued()) == 6
    later = NOW + timedelta(minutes=5)
    world.consent(stopped, "sms", "transactional", granted=False, at=later, source="sms-keyword")
    world.consent(withdrawn, "email", "transactional", granted=False, at=later)

    provider = ScriptedProvider()
    Dispatcher(db, lambda _s, _m: provider, Clock(later + timedelta(minutes=1))).run_until_idle()

    outcome = {(m.entity_name, m.method): (m.status, m.warning) for m in world.messages()}
    assert outcome == {
        ("Rx R0", "SMS"): ("Undelivered", "Opted Out"),
        ("Rx R0", "Email"): ("Sent", ""),
        ("Rx R1", "SMS"): ("Sent", ""),
        ("Rx R1", "Email"): ("Undelivered", "No Consent"),
        ("Rx R2", "SMS"): ("Sent", ""),
        ("Rx R2", "Email"): ("Sent", ""),
    }
    assert len(provider.sent) == 4
