"""Started without a terminal, stopped by SIGTERM, given a data directory it cannot write.

What a container or a supervisor does to rxmsg: `docker run` without `-t`,
`docker stop` (SIGTERM, to PID 1), a bind-mounted directory owned by the host.
Each ends in one line or a clean exit, never a spinning process or a traceback.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rxmsg_tui.config import ConfigError, ensure_data_dir
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.pty_terminal import LEAVE_ALTERNATE_SCREEN, Terminal

MENU_WORDS = "Patient Profile"


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    return Rxmsg(tmp_path)


def test_without_a_terminal_the_tui_refuses_in_one_line(rxmsg: Rxmsg) -> None:
    result = rxmsg(stdin="")  # stdin and stdout are pipes, as `docker run` without -t gives
    assert_clean_failure(result)
    assert "the screens need a terminal" in result.stderr
    assert "docker run -it" in result.stderr
    assert "\x1b" not in result.stdout + result.stderr, "no escape codes written into a pipe"
    assert not rxmsg.db_path.exists(), "refused before the database was created"


def test_commands_need_no_terminal(rxmsg: Rxmsg) -> None:
    done = rxmsg("users", "list", stdin="")
    assert done.returncode == 0, done.stderr


def _stopped_by_sigterm(rxmsg: Rxmsg, command: list[str] | None = None) -> tuple[int | None, bytes]:
    screen = Terminal(rxmsg, command=command)
    try:
        screen.wait_for(MENU_WORDS)
        os.killpg(screen.process.pid, signal.SIGTERM)
        try:
            return screen.exit_code(timeout=5), screen.seen
        except AssertionError:  # still running
            return None, screen.seen
    finally:
        screen.close()


def test_sigterm_ends_the_tui_and_gives_the_terminal_back(rxmsg: Rxmsg) -> None:
    assert rxmsg("users", "list").returncode == 0  # the store and its first admin
    code, seen = _stopped_by_sigterm(rxmsg)
    assert code == 0, f"not ended by SIGTERM within 5 s: {seen[-200:]!r}"
    assert LEAVE_ALTERNATE_SCREEN in seen, "the alternate screen was left: the terminal is usable"


def test_sigterm_ends_the_tui_as_pid_1(rxmsg: Rxmsg) -> None:
    """In a container rxmsg is PID 1, whose default SIGTERM action the kernel ignores."""
    unshare = shutil.which("unshare")
    if os.getuid() != 0 or unshare is None:
        pytest.skip("a PID namespace needs root and util-linux's unshare")
    probe = subprocess.run([unshare, "--pid", "--fork", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a PID namespace here: {probe.stderr.decode().strip()}")
    assert rxmsg("users", "list").returncode == 0
    command = [unshare, "--pid", "--fork", "--kill-child", sys.executable, "-m", "rxmsg_tui"]
    code, seen = _stopped_by_sigterm(rxmsg, command)
    assert code is not None, f"PID 1 ignored SIGTERM: {seen[-200:]!r}"


def test_sigterm_ends_the_daemon_within_a_second_and_it_says_each_state_once(
    rxmsg: Rxmsg,
) -> None:
    assert rxmsg("users", "list").returncode == 0  # the store and its first admin
    daemon = subprocess.Popen(
        [sys.executable, "-m", "rxmsg_tui", "daemon", "--every", "0.5"],
        env=rxmsg.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert daemon.stderr is not None
    said = [daemon.stderr.readline()]
    while "scheduler running" not in said[-1] and said[-1]:
        said.append(daemon.stderr.readline())
    assert "scheduler running" in said[-1], said
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    code = daemon.wait(timeout=10)
    took = time.monotonic() - started
    rest = daemon.stderr.read()
    assert code == 0, rest
    assert took < 1.5, f"the daemon took {took:.2f} s to end"  # 0.5–0.6 s measured
    assert rest.count("scheduler off") == 1 and "stopped" in rest, rest
    assert "scheduler running" not in rest and "Traceback" not in rest, rest


def test_a_data_directory_that_is_a_file_is_named(rxmsg: Rxmsg, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = Rxmsg(blocker / "data")("users", "list")
    assert_clean_failure(result)
    # A long path loses its middle in a one-line message; its end, which names it, stays.
    assert "the data directory " in result.stderr
    assert "not-a-dir/data is not a directory" in result.stderr


def test_an_unwritable_data_directory_names_the_uid_that_must_own_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root may write anywhere, so the refusal the kernel would give uid 10001 is played here.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(ConfigError) as refused:
        ensure_data_dir(tmp_path)
    message = str(refused.value)
    assert f"cannot write in the data directory {tmp_path}" in message
    assert f"uid {os.getuid()}" in message
    assert f"chown -R {os.getuid()}:{os.getgid()}" in message


def test_a_log_that_cannot_be_written_is_a_warning_not_a_failure(rxmsg: Rxmsg) -> None:
    rxmsg.home.mkdir(parents=True, exist_ok=True)
    (rxmsg.home / "rxmsg.log").mkdir()  # what a mistaken bind mount leaves
    done = rxmsg("users", "list")
    assert done.returncode == 0, done.stderr
    assert "warning: cannot write rxmsg.log" in done.stderr
    assert "Traceback" not in done.stderr
