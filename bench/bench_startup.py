"""Start-up: `rxmsg --help`, a usage error and the TUI's first paint, each against its bare twin.

Run by hand: `python bench/bench_startup.py [--repeats N]`. Each line prints
the median wall time of our command and of its bare counterpart measured in
the same run, and the ratio:
- `rxmsg --help` against a click group with one command doing the same;
- `rxmsg queue --bogus` (a usage error) against the same bare group;
- the TUI's first paint (the main menu's text on a real pty at 80x24, on a
  small demo database in a private data dir) against a bare Textual app with
  a header, a footer and the same words;
- the TUI signed in (the header names the user: database migrated, store
  and user checked, scheduler built) against the same bare first paint, for
  scale: the menu answers keys before this, and an entry chosen earlier
  opens then.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pwd
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BARE_CLICK = """
import click
@click.group()
def main():
    "Patient messaging for retail pharmacies."
@main.command()
@click.option("--status")
def queue(status):
    "List the queue."
main()
"""
BARE_TEXTUAL = """
from textual.app import App
from textual.widgets import Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header()
        yield Static("Patient Listing\\nPatient Profile\\nMisc\\nSend Email/SMS")
        yield Footer()
Bare().run()
"""
MENU_WORDS = "Patient Profile"
SIGNED_IN_WORDS = f"{pwd.getpwuid(os.getuid()).pw_name} (admin)"
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def first_paint(
    command: list[str], env: dict[str, str], timeout: float = 60.0, words: str = MENU_WORDS
) -> float:
    """Seconds from start until `words` are on the pty's screen; then the program is killed."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(follower)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if not ready:
                continue
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
            if words.encode() in _ESCAPES.sub(b"", seen):
                return time.perf_counter() - start
        raise RuntimeError(f"no first paint within {timeout} s: {seen[-400:]!r}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(leader)


def median(times: list[float]) -> float:
    return statistics.median(times)


def report(name: str, ours: list[float], bare: list[float]) -> None:
    a, b = median(ours), median(bare)
    print(f"{name:<22} rxmsg {a * 1000:7.0f} ms   bare {b * 1000:7.0f} ms   ratio {a / b:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "RXMSG_DATA_DIR": data_dir}
        env.pop("RXMSG_DATABASE_URL", None)
        rxmsg = str(BIN / "rxmsg")
        subprocess.run(
            [rxmsg, "demo", "--patients", "200", "--no-tui"],
            env=env,
            check=True,
            capture_output=True,
        )
        bare_click = [sys.executable, "-c", BARE_CLICK]
        bare_tui = [sys.executable, "-c", BARE_TEXTUAL]
        # Each pair runs back to back, so a machine loaded by others weighs on both sides alike.
        report("--help", *pairs(args.repeats, [rxmsg, "--help"], [*bare_click, "--help"], env))
        usage = ([rxmsg, "queue", "--bogus"], [*bare_click, "queue", "--bogus"])
        report("usage error", *pairs(args.repeats, *usage, env))
        paint: tuple[list[float], list[float], list[float]] = ([], [], [])
        for _ in range(args.repeats):
            paint[0].append(first_paint([rxmsg], env))
            paint[1].append(first_paint(bare_tui, env))
            paint[2].append(first_paint([rxmsg], env, words=SIGNED_IN_WORDS))
        report("TUI first paint", paint[0], paint[1])
        report("TUI signed in", paint[2], paint[1])


def pairs(
    repeats: int, ours: list[str], bare: list[str], env: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Wall times of `ours` and `bare`, run alternately."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        times[0].append(wall(ours, env))
        times[1].append(wall(bare, env))
    return times


if __name__ == "__main__":
    main()
