"""Runs a real `rxmsg serve` on a free loopback port and talks to it as a browser would."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

LINK = re.compile(r"(https?)://(\S+?)/\?token=(\S+)")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running `rxmsg serve`: its process, the link it printed, what it wrote."""

    process: subprocess.Popen[str]
    port: int
    scheme: str
    token: str
    banner: list[str]
    stderr_lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{self.base.replace('http', 'ws', 1)}/ws?width=80&height=24"

    def child_pids(self) -> list[int]:
        """The session processes `rxmsg serve` started (read from /proc)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children


def serve_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
    env.update(
        RXMSG_DATA_DIR=str(home),
        RXMSG_CONFIG_FILE=str(home / "config.toml"),
        LOGNAME="alice",
        USER="alice",
        **extra,
    )
    return env


@contextmanager
def running_serve(
    home: Path, *args: str, env: dict[str, str] | None = None, db: str | None = None
) -> Iterator[Served]:
    """`rxmsg [--db URL] serve --port P ARGS…`, until the block ends; waits for its link."""
    port = free_port()
    command = [sys.executable, "-m", "rxmsg_tui", *(["--db", db] if db else [])]
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port), *args],
        env=env or serve_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr_lines: list[str] = []
    assert process.stdout is not None and process.stderr is not None
    threading.Thread(target=_pump, args=(process.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, stderr_lines.append), daemon=True).start()
    try:
        banner = _read_banner(process, lines, stderr_lines)
        match = LINK.search("\n".join(banner))
        assert match, banner
        yield Served(process, port, match[1], match[3], banner, stderr_lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _pump(stream: object, put: object) -> None:
    for line in stream:  # type: ignore[attr-defined]
        put(line.rstrip("\n"))  # type: ignore[operator]


def _read_banner(
    process: subprocess.Popen[str], lines: queue.Queue[str], stderr_lines: list[str]
) -> list[str]:
    banner: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            assert process.poll() is None, f"rxmsg serve exited: {stderr_lines}"
            continue
        banner.append(line)
        if line.startswith("Press Ctrl+C"):
            return banner
    raise AssertionError(f"rxmsg serve printed no link within 60 s: {banner} {stderr_lines}")


def browser(**kwargs: object) -> aiohttp.ClientSession:
    """A client that keeps cookies for an IP address host, as browsers do."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)  # type: ignore[arg-type]


async def read_screen(
    ws: aiohttp.ClientWebSocketResponse, wanted: bytes, timeout: float = 60
) -> bytes:
    """Terminal output (escape sequences removed) until `wanted` appears on the screen."""
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            received += message.data
            if wanted in ANSI.sub(b"", received):
                break
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            break
    return ANSI.sub(b"", received)
