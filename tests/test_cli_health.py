"""`rxmsg health`: what a container's HEALTHCHECK runs; 0 when rxmsg works here, else 1 and why."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import SchedulerLease
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.providers.loopback_http import LoopbackHttpServer, Reply


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    made = Rxmsg(tmp_path)
    assert made("users", "list").returncode == 0  # a migrated database with its store
    return made


@pytest.fixture
def server() -> Iterator[LoopbackHttpServer]:
    running = LoopbackHttpServer(Reply(200, body=b"ok"))
    running.start()
    yield running
    running.stop()


def _lease(rxmsg: Rxmsg, *, host: str, expires_in: timedelta) -> None:
    db = Database(make_engine(rxmsg.db_url))
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.add(
            SchedulerLease(
                name="scheduler",
                holder=f"{host}|4242|abcd",
                host=host,
                pid=4242,
                acquired_at=now - timedelta(minutes=5),
                expires_at=now + expires_in,
            )
        )
    db.dispose()


def test_a_working_database_is_healthy(rxmsg: Rxmsg) -> None:
    result = rxmsg("health")
    assert result.returncode == 0, result.stderr
    assert "database answers" in result.stdout


def test_an_empty_database_is_not(tmp_path: Path) -> None:
    result = Rxmsg(tmp_path)("health")
    assert_clean_failure(result)
    assert "no rxmsg tables yet" in result.stderr


def test_a_scheduler_here_that_stopped_renewing_is_unhealthy(rxmsg: Rxmsg) -> None:
    _lease(rxmsg, host=socket.gethostname(), expires_in=timedelta(seconds=-90))
    result = rxmsg("health")
    assert_clean_failure(result)
    assert "stopped renewing its lease" in result.stderr


def test_a_scheduler_on_another_host_is_not_ours_to_judge(rxmsg: Rxmsg) -> None:
    _lease(rxmsg, host="another-terminal", expires_in=timedelta(seconds=-90))
    result = rxmsg("health")
    assert result.returncode == 0, result.stderr
    assert "another-terminal" in result.stdout


def test_the_url_of_rxmsg_serve_must_answer(rxmsg: Rxmsg, server: LoopbackHttpServer) -> None:
    assert rxmsg("health", "--url", server.base_url).returncode == 0
    server.script(Reply(503, body=b"down"))
    failing = rxmsg("health", "--url", server.base_url)
    assert_clean_failure(failing)
    assert "answers 503" in failing.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    nobody = rxmsg("health", "--url", closed)
    assert_clean_failure(nobody)
    assert "does not answer" in nobody.stderr
