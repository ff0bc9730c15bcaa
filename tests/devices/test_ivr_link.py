"""The IVR driver against the simulator over a real TCP socket: statuses, ping, reconnect."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from rxmsg_tui.devices.ivr import IvrDown, IvrLink, IvrNoAnswer
from rxmsg_tui.devices.ivr_sim import IvrSimulator, parse_script
from rxmsg_tui.domain.backoff import RetryPolicy

FAST = RetryPolicy(max_attempts=1000, base_seconds=0.05, cap_seconds=0.2)


def eventually(condition: Callable[[], object], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def log() -> list[str]:
    return []


@pytest.fixture
def sim(log: list[str]) -> Iterator[IvrSimulator]:
    simulator = IvrSimulator(
        script=("answered", "no-answer", "busy", "failed"), delay=0.05, log=log.append
    ).start()
    yield simulator
    simulator.stop()


def link_to(port: int, answer_timeout: float = 2.0) -> IvrLink:
    return IvrLink("127.0.0.1", port, reconnect=FAST, answer_timeout=answer_timeout).start()


def test_each_call_is_queued_then_ends_with_its_status(sim: IvrSimulator, log: list[str]) -> None:
    link = link_to(sim.port)
    try:
        ids = ["a", "b", "c", "d"]
        assert [link.submit("call", i, "+12025550143", "Your Rx is ready") for i in ids] == [
            "queued"
        ] * 4
        eventually(lambda: len(sim.placed) == 4)
        eventually(lambda: all(i in link._finals for i in ids))
        finals = [link.take_final(i) for i in ids]
        assert [f[0] if f else None for f in finals] == ["answered", "no-answer", "busy", "failed"]
        assert link.take_final("a") is None  # read once, then forgotten
        assert link.query("a") == ("answered", "")  # the IVR still knows
        assert link.query("never-sent") == ("unknown", "")
    finally:
        link.close()
    # Every call is logged: time, op, to, id, status.
    assert any(line.endswith(" call +12025550143 a queued") for line in log)
    assert any(line.endswith(" call +12025550143 d failed") for line in log)


def test_an_id_queued_or_answered_is_never_placed_twice(sim: IvrSimulator) -> None:
    link = link_to(sim.port)
    try:
        assert link.submit("call", "once", "+12025550143", "hello") == "queued"
        assert link.submit("call", "once", "+12025550143", "hello") == "queued"
        eventually(lambda: sim.placed)
        assert link.submit("call", "once", "+12025550143", "hello") == "answered"
        time.sleep(0.2)
        assert sim.placed == [("once", "answered")]
    finally:
        link.close()


def test_ping_round_trip(sim: IvrSimulator) -> None:
    link = link_to(sim.port)
    try:
        assert 0 <= link.ping() < 1.0
    finally:
        link.close()


def test_down_then_back_reconnects_by_itself(log: list[str]) -> None:
    first = IvrSimulator(delay=0.05, log=log.append).start()
    port = first.port
    link = link_to(port)
    try:
        eventually(lambda: link.connected)
        first.stop()
        eventually(lambda: not link.connected)
        with pytest.raises(IvrDown):
            link.submit("call", "x", "+12025550143", "hello")
        assert "closed the connection" in link.last_error or "cannot connect" in link.last_error
        second = IvrSimulator(port=port, delay=0.05, log=log.append).start()
        try:
            eventually(lambda: link.connected)
            assert link.connects == 2
            assert link.submit("call", "x", "+12025550143", "hello") == "queued"
        finally:
            second.stop()
    finally:
        link.close()


def test_a_silent_listener_is_no_answer_and_garbage_is_ignored() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        link = link_to(server.getsockname()[1], answer_timeout=0.3)
        try:
            conn, _ = server.accept()
            with conn:
                conn.sendall(b"HELLO I AM A PRINTER\n[1,2]\n")
                with pytest.raises(IvrNoAnswer):
                    link.ping(timeout=0.3)
                assert link.connected  # garbage is logged and ignored, not fatal
        finally:
            link.close()


def test_nothing_listening_is_down_with_the_reason(closed_port: int) -> None:
    link = link_to(closed_port)
    try:
        with pytest.raises(IvrDown, match=r"cannot connect to 127\.0\.0\.1"):
            link.submit("call", "x", "+12025550143", "hello")
    finally:
        link.close()


def test_scripts_are_checked_word_by_word() -> None:
    assert parse_script("answered, busy") == ("answered", "busy")
    with pytest.raises(ValueError, match="ringing: the script takes"):
        parse_script("answered,ringing")


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
