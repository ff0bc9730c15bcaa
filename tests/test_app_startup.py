"""The TUI paints its menu at once, then opens the database; what goes wrong there is said.

Staff start rxmsg many times a day at the counter: the menu must show as fast
as a bare Textual app, so the App module loads only Textual and the menu, and
the database checks (migration, store, sign-in) run in a worker right after
the first paint. A failure among them is shown on screen in plain words and,
once the terminal is back, ends `rxmsg` as it always did: one line on stderr,
exit 1, no traceback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_runner import ME, Rxmsg
from tests.pty_terminal import LEAVE_ALTERNATE_SCREEN, Terminal

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings", "httpx", "apscheduler")
SCREENS = ("patient_listing", "message_queue", "alert_settings", "group_send.wizard")


def test_importing_the_app_loads_no_database_scheduler_or_http_library() -> None:
    names = [*HEAVY, *(f"rxmsg_tui.screens.{screen}" for screen in SCREENS)]
    probe = (
        "import sys\nimport rxmsg_tui.app\n"
        f"print('LOADED', *[m for m in {names!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rsplit("LOADED", 1)[1].split() == []


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    return Rxmsg(tmp_path)


@pytest.fixture
def terminal(rxmsg: Rxmsg) -> Iterator[Callable[..., Terminal]]:
    """Starts `rxmsg` on a pty with extra variables; each is killed (if need be) at the end."""
    opened: list[Terminal] = []

    def start(**env: str) -> Terminal:
        opened.append(Terminal(rxmsg, **env))
        return opened[-1]

    yield start
    for screen in opened:
        screen.close()


Start = Callable[..., Terminal]


def test_the_menu_shows_first_then_the_store_and_user_and_keys_work(
    rxmsg: Rxmsg, terminal: Start
) -> None:
    assert rxmsg("users", "list").returncode == 0  # the store and its first admin
    screen = terminal()
    screen.wait_for("Patient Profile")
    assert "Opening the database…" in screen.text(), "the menu is painted before the checks"
    screen.wait_for(f"{ME} (admin)")
    screen.press(b"1")
    screen.wait_for("last name, first name")
    screen.press(b"\x11")  # Ctrl+Q
    assert screen.exit_code() == 0
    assert "rxmsg:" not in screen.after_the_app()


def _refused(screen: Terminal, reason: str) -> str:
    """The reason is on screen; Enter leaves; the same line follows on stderr, exit 1."""
    screen.wait_for(reason)
    assert "rxmsg cannot open" in screen.text()
    screen.press(b"\r")
    assert screen.exit_code() == 1
    after = screen.after_the_app()
    assert f"rxmsg: {reason}" in after
    assert "Traceback" not in screen.text()
    return after


def test_a_database_that_cannot_be_reached_is_said_on_screen_then_on_stderr(
    terminal: Start,
) -> None:
    screen = terminal(RXMSG_DATABASE_URL="postgresql://rxmsg:sekret-word@127.0.0.1:1/rxmsg")
    after = _refused(screen, "the database cannot be used")
    assert "sekret-word" not in screen.text() + after


def test_a_user_of_no_store_is_refused_on_screen_then_on_stderr(
    rxmsg: Rxmsg, terminal: Start
) -> None:
    rxmsg.create_with_admin()  # ME is a stranger to the store
    _refused(terminal(), f"user '{ME}' may not use rxmsg at store")


def test_a_live_store_refuses_a_moved_clock_on_screen_then_on_stderr(
    rxmsg: Rxmsg, terminal: Start
) -> None:
    assert rxmsg("users", "list").returncode == 0  # a live store
    screen = terminal(RXMSG_NOW="2026-03-02T15:00:00+00:00")
    _refused(screen, "RXMSG_NOW moves the clock and is refused for live store")


def test_sigterm_ends_rxmsg_while_the_database_server_does_not_answer(terminal: Start) -> None:
    """`docker stop` while the database is still starting: no wait for an answer that never comes."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        screen = terminal(RXMSG_DATABASE_URL=f"postgresql://rxmsg@127.0.0.1:{port}/rxmsg")
        screen.wait_for("Patient Profile")
        time.sleep(0.5)  # the database is being asked by now
        assert "Opening the database…" in screen.text()
        os.killpg(screen.process.pid, signal.SIGTERM)
        assert screen.exit_code(timeout=3) == 0
        assert LEAVE_ALTERNATE_SCREEN in screen.seen
