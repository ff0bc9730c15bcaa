"""Every screen's header says "IVR down" while the IVR computer cannot be reached (Pilot, 80x24)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

from sqlmodel import select
from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.clock import Clock
from rxmsg_tui.devices.ivr_sim import IvrSimulator
from rxmsg_tui.scheduler.runner import SchedulerRunner
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.services.dispatch.transports import StoreTransports
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store
from rxmsg_tui.storage.models import OutboundSetup as SetupRow
from rxmsg_tui.widgets.app_header import AppHeader
from tests.conftest import NOW
from tests.tui.conftest import context, database_url  # noqa: F401  (the TUI's fixtures)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    assert condition()


async def test_the_header_says_ivr_down_while_calls_wait_and_clears_when_it_is_back(
    context: AppContext,  # noqa: F811  (the fixture imported above)
    db: Database,
    store: Store,
    clock: Clock,
) -> None:
    assert store.id is not None
    port = free_port()
    with db.transaction() as session:
        row = session.exec(select(SetupRow).where(SetupRow.store_id == store.id)).one()
        row.call_using, row.ivr_host, row.ivr_port = "ivr", "127.0.0.1", port
        session.add(row)
        session.add(OutboundMessage(
            uuid=str(uuid.uuid4()), store_id=store.id, method="Outbound Call",
            alert_type="General", priority=3, entity="Patient", entity_name="Ana Lopez",
            recipient="+12025550143", body="Your Rx is ready", status="Pending",
            created_at=NOW, scheduled_at=NOW,
        ))  # fmt: skip
    transports = StoreTransports(db, context.settings, now=clock.now, refresh=0)
    app: RxMsgApp
    runner = SchedulerRunner(
        db, Dispatcher(db, transports, clock), clock, dispatch_every=60,
        on_state=lambda state: app.scheduler_state_changed(state),
    )  # fmt: skip
    app = RxMsgApp(context, scheduler=runner)

    def header() -> str:
        return app.screen.query_one(AppHeader).status_text()

    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: header().endswith("Scheduler: running · IVR down"))
            with db.read() as session:
                waiting = session.exec(select(OutboundMessage)).one()
            assert (waiting.status, waiting.attempts) == ("Pending", 0)
            sim = IvrSimulator(port=port, log=lambda _line: None).start()
            try:
                await until(pilot, lambda: "IVR down" not in header())
            finally:
                sim.stop()
    finally:
        transports.close()
