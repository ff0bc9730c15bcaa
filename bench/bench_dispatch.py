"""Dispatch throughput with full state tracking against a raw httpx loop to the same server.

Run by hand (`make bench`). Both paths post the same Twilio form to the same
loopback server in the same run; the dispatcher also claims, checks words and
windows, records every attempt and updates every message in SQLite.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.services.dispatch.transports import StoreTransports
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import OutboundMessage, OutboundSetup
from tests.stubs.twilio_stub import ACCOUNT_SID, TwilioStub

COUNT = 5000
WORKERS = 8
NOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def raw_loop(base_url: str, workers: int) -> float:
    clients = [httpx.Client(base_url=base_url, auth=(ACCOUNT_SID, "t")) for _ in range(workers)]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

    def post(n: int) -> None:
        clients[n % workers].post(
            path,
            data={"To": "+12025550143", "From": "+12025550100", "Body": f"m{n}"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ).raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(post, range(COUNT)))
    elapsed = time.perf_counter() - start
    for client in clients:
        client.close()
    return COUNT / elapsed


def dispatcher_run(base_url: str, folder: Path) -> float:
    db = Database(make_engine(f"sqlite:///{folder}/bench.db"))
    db.migrate()
    with db.transaction() as session:
        store = create_store(
            session, code="B", name="Bench", phone="1", timezone="America/New_York", now=NOON
        )
        setup = session.get(OutboundSetup, 1)
        assert setup is not None and store.id is not None
        setup.sms_using = "sms_service_api"
        session.add(setup)
        session.connection().execute(
            insert(OutboundMessage),
            [
                {"uuid": str(uuid.uuid4()), "store_id": store.id, "method": "SMS",
                 "alert_type": "General", "priority": 3, "entity": "Patient",
                 "entity_name": "Ana", "recipient": "+12025550143", "subject": "",
                 "body": f"m{n}", "status": "Pending", "warning": "", "attempts": 0,
                 "created_at": NOON, "scheduled_at": NOON, "created_by": "bench"}
                for n in range(COUNT)
            ],
        )  # fmt: skip
    settings = Settings(
        twilio_account_sid=ACCOUNT_SID, twilio_auth_token="t", twilio_from="+12025550100",
        twilio_base_url=base_url, data_dir=folder,
    )  # fmt: skip
    transports = StoreTransports(db, settings)
    dispatcher = Dispatcher(db, transports, Clock(NOON), batch_size=200, workers=WORKERS)
    start = time.perf_counter()
    stats = dispatcher.run_until_idle()
    elapsed = time.perf_counter() - start
    transports.close()
    assert stats.sent == COUNT, stats
    return COUNT / elapsed


def main() -> None:
    with TwilioStub() as stub, tempfile.TemporaryDirectory() as folder:
        raw = raw_loop(stub.base_url, WORKERS)
        ours = dispatcher_run(stub.base_url, Path(folder))
    print(f"raw httpx loop, {WORKERS} threads: {raw:8.0f} msg/s")
    print(f"dispatcher with state tracking : {ours:8.0f} msg/s")
    print(f"ratio (ours / raw)             : {ours / raw:8.2f}")


if __name__ == "__main__":
    main()
