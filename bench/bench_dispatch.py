"""Dispatch throughput with full state tracking against a raw httpx loop to the same server.

Run by hand (`make bench`). The server is `raw_http_stub.py` (shared bench
folder), a loopback HTTP/1.1 server that costs almost nothing per request, so
the ceiling measured is the client's, not the server's; it is started here and
stopped by its PID. Both paths post the same Twilio form in the same run; the
dispatcher also claims, checks words, consent and windows, records every
attempt and updates every message: on SQLite, and on PostgreSQL with 1, 2 and
4 dispatcher processes when RXMSG_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rxmsg_tui.clock import Clock  # noqa: E402
from rxmsg_tui.config import Settings  # noqa: E402
from rxmsg_tui.domain.vocabulary import Method  # noqa: E402
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher  # noqa: E402
from rxmsg_tui.services.dispatch.transports import StoreTransports  # noqa: E402
from rxmsg_tui.services.stores import create_store  # noqa: E402
from rxmsg_tui.storage.database import Database  # noqa: E402
from rxmsg_tui.storage.engine import make_engine  # noqa: E402
from rxmsg_tui.storage.models import OutboundMessage, OutboundSetup  # noqa: E402

COUNT = int(os.environ.get("BENCH_DISPATCH_COUNT", "20000"))
WORKERS = 8
NOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
ACCOUNT_SID = "AC" + "0" * 32
STUB_CANDIDATES = (
    ROOT.parent / "shared" / "bench" / "raw_http_stub.py",
    ROOT / "bench" / "raw_http_stub.py",
)


@contextmanager
def raw_stub() -> Iterator[str]:
    """The stub in its own process, its base URL while the block runs; stopped by its PID."""
    script = next((p for p in STUB_CANDIDATES if p.exists()), None)
    if script is None:
        raise SystemExit(f"raw_http_stub.py not found in {[str(p) for p in STUB_CANDIDATES]}")
    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port"
        process = subprocess.Popen([sys.executable, str(script), "--port-file", str(port_file)])
        try:
            deadline = time.monotonic() + 10
            while not (port_file.exists() and port_file.read_text().strip()):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("raw_http_stub.py did not start")
                time.sleep(0.02)
            yield f"http://127.0.0.1:{port_file.read_text().strip()}"
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


def recipient(n: int) -> str:
    """A pharmacy's patients' cells: three area codes around the store, any exchange and line."""
    area = (202, 301, 703)[n % 3]
    exchange = 200 + (n * 7919) % 800
    return f"+1{area}{exchange}{(n * 104_729) % 10_000:04d}"


def raw_loop(base_url: str, workers: int, count: int) -> float:
    """What the client alone can do: 8 threads, one keep-alive httpx.Client each."""
    clients = [httpx.Client(base_url=base_url, auth=(ACCOUNT_SID, "t")) for _ in range(workers)]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

    def post(n: int) -> None:
        clients[n % workers].post(
            path,
            data={"To": recipient(n), "From": "+12025550100", "Body": f"m{n}"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ).raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(post, range(count)))
    elapsed = time.perf_counter() - start
    for client in clients:
        client.close()
    return count / elapsed


def prepare(url: str, count: int) -> None:
    """A store sending SMS through the Twilio-compatible API, and `count` messages due now."""
    db = Database(make_engine(url))
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
                 "entity_name": "Ana", "recipient": recipient(n), "subject": "",
                 "body": f"m{n}", "status": "Pending", "warning": "", "attempts": 0,
                 "created_at": NOON, "scheduled_at": NOON, "created_by": "bench"}
                for n in range(count)
            ],
        )  # fmt: skip
    db.dispose()


def dispatch_all(url: str, base_url: str, folder: str, ready: object, go: object) -> int:
    """One dispatcher (as `rxmsg dispatch --once` builds it) sending until nothing is due."""
    db = Database(make_engine(url))
    settings = Settings(
        twilio_account_sid=ACCOUNT_SID, twilio_auth_token="t", twilio_from="+12025550100",
        twilio_base_url=base_url, data_dir=Path(folder),
    )  # fmt: skip
    transports = StoreTransports(db, settings)
    dispatcher = Dispatcher(db, transports, Clock(NOON), workers=WORKERS)
    transports(1, Method.SMS)  # the provider is built before the clock starts
    ready.release()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    stats = dispatcher.run_until_idle(max_batches=1_000_000)
    transports.close()
    db.dispose()
    return stats.sent


def _child(url: str, base_url: str, folder: str, ready: object, go: object, out: object) -> None:
    out.put(dispatch_all(url, base_url, folder, ready, go))  # type: ignore[attr-defined]


def dispatchers_run(url: str, base_url: str, folder: str, processes: int, count: int) -> float:
    """`processes` dispatchers on one queue, timed from the moment all are ready."""
    prepare(url, count)
    context = multiprocessing.get_context("spawn")
    ready, go, out = context.Semaphore(0), context.Event(), context.Queue()
    children = [
        context.Process(target=_child, args=(url, base_url, folder, ready, go, out))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    for _ in children:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    sent = sum(out.get() for _ in children)
    elapsed = time.perf_counter() - start
    for child in children:
        child.join()
    assert sent == count, (sent, count)
    return count / elapsed


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    postgres = os.environ.get("RXMSG_TEST_POSTGRES_URL")
    with raw_stub() as base_url, tempfile.TemporaryDirectory() as folder:
        raw_loop(base_url, WORKERS, 1000)  # warm the server and the imports
        raw = raw_loop(base_url, WORKERS, COUNT)
        print(f"raw httpx loop, {WORKERS} threads       : {raw:8.0f} msg/s")
        ours = dispatchers_run(f"sqlite:///{folder}/bench.db", base_url, folder, 1, COUNT)
        print(f"dispatcher, SQLite                 : {ours:8.0f} msg/s  ({ours / raw:.2f}x raw)")
        if postgres:
            for processes in (1, 2, 4):
                with postgres_schema(postgres) as url:
                    ours = dispatchers_run(url, base_url, folder, processes, COUNT)
                print(
                    f"dispatchers on PostgreSQL, {processes} process(es): {ours:8.0f} msg/s"
                    f"  ({ours / raw:.2f}x raw)"
                )
        raw = raw_loop(base_url, WORKERS, COUNT)
        print(f"raw httpx loop again, {WORKERS} threads : {raw:8.0f} msg/s")


if __name__ == "__main__":
    main()
