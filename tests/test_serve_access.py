"""The access gate of `rxmsg serve`: the link works once, sessions idle out, Host and Origin."""

from __future__ import annotations

import pytest

from rxmsg_tui.cli.remote.access import AccessGate, is_loopback


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _gate(
    host: str = "127.0.0.1", *, tls: bool = False, clock: FakeClock | None = None
) -> AccessGate:
    return AccessGate(
        bind_host=host, port=8000, tls=tls, idle_seconds=60, clock=clock or FakeClock()
    )


def test_the_token_gives_one_session_and_never_another() -> None:
    gate = _gate()
    assert gate.redeem("wrong") is None
    session = gate.redeem(gate.token)
    assert session and gate.signed_in(session)
    assert gate.redeem(gate.token) is None
    assert not gate.signed_in("made-up") and not gate.signed_in(None)


def test_a_session_without_a_socket_ends_after_the_idle_time() -> None:
    clock = FakeClock()
    gate = _gate(clock=clock)
    session = gate.redeem(gate.token) or ""
    gate.socket_opened(session)
    clock.now += 3600
    assert gate.signed_in(session), "an open session is judged by its WebSocket's input"
    gate.socket_closed(session, ended_idle=False)
    clock.now += 61
    assert not gate.signed_in(session)


def test_a_session_closed_for_idleness_is_over_at_once() -> None:
    gate = _gate()
    session = gate.redeem(gate.token) or ""
    gate.socket_opened(session)
    gate.socket_closed(session, ended_idle=True)
    assert not gate.signed_in(session)


@pytest.mark.parametrize(
    ("host_header", "allowed"),
    [
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("127.0.0.1:9000", True),
        ("127.0.0.1", True),
        ("evil.example:8000", False),
        ("user@127.0.0.1:8000", False),
        ("127.0.0.1:80x", False),
        ("", False),
    ],
)
def test_a_loopback_server_answers_only_to_loopback_names_on_any_port(
    host_header: str, allowed: bool
) -> None:
    assert _gate().host_allowed(host_header) is allowed


def test_a_named_host_answers_to_its_name_and_a_wildcard_to_any() -> None:
    assert _gate("pharmacy.example", tls=True).host_allowed("pharmacy.example:8000")
    assert not _gate("pharmacy.example", tls=True).host_allowed("evil.example:8000")
    assert _gate("0.0.0.0", tls=True).host_allowed("10.0.0.5:8000")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1:8000", True),
        ("HTTP://127.0.0.1:8000", True),
        ("https://127.0.0.1:8000", False),
        ("http://localhost:8000", False),
        ("http://127.0.0.1:9000", False),
        ("http://evil.example", False),
        ("null", False),
        ("", False),
        ("http://127.0.0.1:8000/path", False),
        ("http://127.0.0.1:99999", False),
    ],
)
def test_the_origin_must_be_the_page_this_server_served(origin: str, allowed: bool) -> None:
    assert _gate().origin_allowed(origin, "127.0.0.1:8000") is allowed


def test_cookies_are_per_port_and_host_only_under_tls() -> None:
    assert _gate().cookie_name == "rxmsg_session_8000"
    assert _gate(tls=True).cookie_name == "__Host-rxmsg_session_8000"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.1", False),
        ("pharmacy.example", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
