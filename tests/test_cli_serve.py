"""`rxmsg serve` answers a browser on loopback with the TUI's web page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
    env.update(
        RXMSG_DATA_DIR=str(tmp_path), RXMSG_CONFIG_FILE=str(tmp_path / "c.toml"), LOGNAME="alice"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "rxmsg_tui", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "rxmsg serve did not answer within 30 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert "rxmsg" in response.text
        assert "<html" in response.text.lower()
    finally:
        process.terminate()
        process.wait(timeout=10)
