"""`rxmsg devices ivr-sim` as a subprocess: listens, answers, logs every call, ends on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from rxmsg_tui.devices.ivr import IvrLink

RXMSG = Path(sys.executable).with_name("rxmsg")


def test_the_simulator_logs_each_call_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "RXMSG_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [str(RXMSG), "devices", "ivr-sim", "--port", "0", "--script", "busy", "--delay", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+) \(script: busy\)", banner)
        assert found, banner
        link = IvrLink("127.0.0.1", int(found.group(1))).start()
        try:
            assert link.ping() < 1.0
            assert link.submit("call", "m-1", "+12025550143", "Your Rx is ready") == "queued"
            queued = process.stdout.readline().split()
            final = process.stdout.readline().split()
        finally:
            link.close()
        assert queued[1:] == ["call", "+12025550143", "m-1", "queued"]
        assert final[1:] == ["call", "+12025550143", "m-1", "busy"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", queued[0])
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0 and err == ""
    assert out.strip().endswith("IVR simulator stopped")


def test_a_wrong_script_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(RXMSG), "devices", "ivr-sim", "--script", "answered,maybe"],
        capture_output=True, text=True, env={**os.environ, "RXMSG_DATA_DIR": str(tmp_path)},
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        "rxmsg: --script: maybe: the script takes answered, no-answer, busy, failed\n"
    )
