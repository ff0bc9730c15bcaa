"""The inbound job: each store polled every `inbound.poll_seconds`, a failing provider logged."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from rxmsg_tui.providers.base import InboundSms, TransientError
from rxmsg_tui.providers.outbox import OutboxProvider
from rxmsg_tui.services.inbound.sources import poll_due
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundSetup, Store
from tests.conftest import NOW


class CountingSource:
    name = "counting"

    def __init__(self, fail: bool = False) -> None:
        self.polls: list[datetime | None] = []
        self.fail = fail

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        self.polls.append(since)
        if self.fail:
            raise TransientError("Twilio did not answer")
        return []


def test_a_store_is_polled_once_its_interval_has_passed(db: Database, store: Store) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(OutboundSetup).values(inbound_poll_seconds=30))
    source = CountingSource()
    last: dict[int, datetime] = {}

    for seconds in range(0, 65, 5):  # the job ticks every 5 s
        poll_due(db, lambda _store: source, now=NOW + timedelta(seconds=seconds), last=last)  # type: ignore[arg-type,return-value]

    assert len(source.polls) == 3  # at 0, 30 and 60 s


def test_a_failing_provider_is_logged_and_polled_again_next_turn(
    db: Database, store: Store
) -> None:
    source = CountingSource(fail=True)
    last: dict[int, datetime] = {}

    poll_due(db, lambda _store: source, now=NOW, last=last)  # type: ignore[arg-type,return-value]
    poll_due(db, lambda _store: source, now=NOW + timedelta(seconds=15), last=last)  # type: ignore[arg-type,return-value]

    assert len(source.polls) == 2


def test_an_outbox_reply_file_keeps_a_stable_id_until_it_is_acknowledged(tmp_path: Path) -> None:
    outbox = OutboxProvider(tmp_path / "outbox")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "r.txt").write_text(
        "From: 312-555-0100\nDate: Mon, 02 Mar 2026 15:00:00 +0000\n\nYES\n"
    )

    first = outbox.poll_inbound(None)
    again = outbox.poll_inbound(None)  # a crash before acknowledging: read again, same id
    outbox.acknowledge([first[0].provider_message_id])

    assert [m.provider_message_id for m in again] == [m.provider_message_id for m in first]
    assert (first[0].from_number, first[0].body) == ("+13125550100", "YES")
    assert first[0].received_at == NOW.replace(hour=15, minute=0)
    assert outbox.poll_inbound(None) == []
    assert (inbox / "read" / "r.txt").exists()
