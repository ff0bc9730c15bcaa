"""The demo's signature pad and IVR computer: simulators run beside `rxmsg demo --with-devices`.

Each is `rxmsg devices sigpad-sim|ivr-sim` started as a child process on a free
port of 127.0.0.1, its log in the data dir (the TUI owns the terminal), and
stopped when the demo ends. While they run, the demo store's Outbound
Messaging Setup calls by IVR at the simulator; the setup it had comes back
afterwards, so a later plain `rxmsg demo` does not show an IVR that is down.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import ServiceError
from rxmsg_tui.services.store_settings import change_settings, read_settings
from rxmsg_tui.storage.database import Database

HOST = "127.0.0.1"
LOG_DIR = "logs"
SIGPAD_LOG = "demo-sigpad-sim.log"
IVR_LOG = "demo-ivr-sim.log"
START_SECONDS = 20.0
"""A simulator prints its address within a second; a loaded machine gets more."""
STOP_SECONDS = 5.0
SETUP_KEYS = ("setup.call_using", "setup.ivr_host", "setup.ivr_port")
_SIGPAD_URL = re.compile(r"^RXMSG_SIGPAD_URL=(socket://\S+)$", re.MULTILINE)
_IVR_PORT = re.compile(r"^IVR simulator listening on 127\.0\.0\.1:(\d+)", re.MULTILINE)


class SimulatorFailed(ServiceError):
    """A simulator could not start; its log says why."""


@dataclass
class DemoDevices:
    """The running simulators: where each listens, its log, and the setup to put back."""

    sigpad_url: str
    ivr_port: int
    sigpad_log: Path
    ivr_log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    previous_setup: dict[str, Any] = field(default_factory=dict)
    """The demo store's setup keys as they were; empty until the store points at the IVR."""


def start_simulators(data_dir: Path) -> DemoDevices:
    """Both simulators on free ports; raises SimulatorFailed (and stops both) if one fails."""
    logs = data_dir / LOG_DIR
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    sigpad_log, ivr_log = logs / SIGPAD_LOG, logs / IVR_LOG
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(_spawn(["sigpad-sim", "--port", "0", "--answer", "yes"], sigpad_log))
        started.append(_spawn(["ivr-sim", "--port", "0"], ivr_log))
        url = _wait_for(_SIGPAD_URL, sigpad_log, started[0], "signature pad")
        port = int(_wait_for(_IVR_PORT, ivr_log, started[1], "IVR"))
    except BaseException:
        _stop(started)
        raise
    return DemoDevices(url, port, sigpad_log, ivr_log, started)


def point_store_at_ivr(db: Database, actor: Actor, devices: DemoDevices, *, now: datetime) -> None:
    """Calls go by IVR to the simulator; the setup as it was is kept in `devices`."""
    current = read_settings(db, actor.store_id)
    changes = {
        "setup.call_using": "ivr",
        "setup.ivr_host": HOST,
        "setup.ivr_port": devices.ivr_port,
    }
    change_settings(db, actor, changes, unlock_code=None, public_key=None, now=now)
    devices.previous_setup = {key: current[key] for key in SETUP_KEYS}


def stop_simulators(db: Database, actor: Actor, devices: DemoDevices, *, now: datetime) -> str:
    """Stop both simulators and put the setup back; returns what could not be put back, if any."""
    _stop(devices.processes)
    if not devices.previous_setup:
        return ""
    try:
        change_settings(
            db, actor, devices.previous_setup, unlock_code=None, public_key=None, now=now
        )
    except ServiceError as error:
        return f"the setup still calls by IVR at {HOST}:{devices.ivr_port} ({error})"
    return ""


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """`rxmsg devices …` in its own session: the terminal's Ctrl-C is the demo's to pass on."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "rxmsg_tui", "devices", *args],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        os.close(fd)


def _wait_for(
    pattern: re.Pattern[str], log: Path, process: subprocess.Popen[bytes], name: str
) -> str:
    """The address the simulator prints first, read from its log."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if found := pattern.search(text):
            return found[1]
        if process.poll() is not None:
            last = (text.strip().splitlines() or ["no output"])[-1]
            raise SimulatorFailed(f"the {name} simulator stopped at start: {last}")
        time.sleep(0.05)
    raise SimulatorFailed(f"the {name} simulator did not start within {START_SECONDS:.0f} s")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    for process in processes:
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
