"""`rxmsg demo` as a subprocess: builds once, keeps what users change, `--reset`, refuses bad input."""

from __future__ import annotations

import json
import os
import pwd
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from rxmsg_tui.cli import main

ME = pwd.getpwuid(os.getuid()).pw_name
"""Who the demo makes its admin: the account running it, whatever LOGNAME says."""
COUNTED = ("store", "app_user", "drug", "patient", "prescription", "consent",
           "patient_message_prefs", "review_site")  # fmt: skip


def _rxmsg(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
    clean.update(
        RXMSG_DATA_DIR=str(tmp_path),
        RXMSG_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db",
        RXMSG_CONFIG_FILE=str(tmp_path / "none.toml"),
        LOGNAME="tester",
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "rxmsg_tui", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def test_demo_builds_reruns_without_duplicates_and_moves_dates_later(tmp_path: Path) -> None:
    monday = {"RXMSG_NOW": "2026-03-02T09:00:00-06:00"}
    first = _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "300", **monday)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert "300 written, live from today (none counts as new)" in first.stderr
    assert f"{ME} may now sign in to DEMO as admin" in first.stderr
    db = tmp_path / "demo.db"
    counts = _counts(db)
    assert counts["patient"] == 300 and counts["prescription"] == 1500
    assert counts["store"] == 1 and counts["app_user"] == 1
    due = _due_dates(db)

    again = _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "300", **monday)
    assert again.returncode == 0, again.stderr
    assert "kept as you left it (300 patients)" in again.stderr
    assert _counts(db) == counts and _due_dates(db) == due
    with sqlite3.connect(db) as conn:
        user = conn.execute("SELECT username, role FROM app_user").fetchone()
        code = conn.execute("SELECT code FROM store").fetchone()
    assert user == (ME, "admin") and code == ("DEMO",)

    week_later = {"RXMSG_NOW": "2026-03-09T09:00:00-05:00"}
    later = _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "300", **week_later)
    assert later.returncode == 0, later.stderr
    assert "1,500 prescriptions moved +7 days" in later.stderr
    assert _counts(db) == counts
    assert {rx: day - due[rx] for rx, day in _due_dates(db).items()} == {rx: 7.0 for rx in due}


def test_running_the_demo_again_keeps_what_the_user_saved(tmp_path: Path) -> None:
    """`make run` runs `rxmsg demo` each time: a saved setting must survive it."""
    assert _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "20").returncode == 0
    saved = _rxmsg(tmp_path, "settings", "set", "store.phone", "(312) 555-0199")
    assert saved.returncode == 0, saved.stderr
    again = _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "20")
    assert again.returncode == 0, again.stderr
    assert "--reset builds it anew" in again.stderr
    assert _store_phone(tmp_path / "demo.db") == "(312) 555-0199"


def test_reset_builds_the_demo_anew(tmp_path: Path) -> None:
    assert _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "20").returncode == 0
    assert _rxmsg(tmp_path, "settings", "set", "store.phone", "(312) 555-0199").returncode == 0
    reset = _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "30", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert "reset: the demo's data was deleted and built anew" in reset.stderr
    assert "30 written, live from today" in reset.stderr
    db = tmp_path / "demo.db"
    assert _store_phone(db) == "(312) 555-0100"
    with sqlite3.connect(db) as conn:
        (resets,) = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'demo.reset'")
    assert resets == (1,)


def test_a_database_with_a_live_store_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """Run on a pharmacy's database, the demo would add a store and an admin nobody chose."""
    assert _rxmsg(tmp_path, "settings", "show").returncode == 0  # opens store MAIN
    db = tmp_path / "demo.db"
    before = _counts(db)
    for args in (("demo", "--no-tui"), ("demo", "--no-tui", "--reset")):
        refused = _rxmsg(tmp_path, *args)
        assert refused.returncode == 1
        assert refused.stderr == (
            "rxmsg: this database holds store MAIN, which is not a demo; "
            "rxmsg demo only runs on a database of its own\n"
        )
        assert _counts(db) == before


def _store_phone(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        (phone,) = conn.execute("SELECT phone FROM store WHERE code = 'DEMO'").fetchone()
    return str(phone)


def _due_dates(path: Path) -> dict[str, float]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT rx_number, julianday(due_date) FROM prescription"))


def test_zero_patients_is_a_usage_error(tmp_path: Path) -> None:
    result = _rxmsg(tmp_path, "demo", "--no-tui", "--patients", "0")
    assert result.returncode == 2
    assert "Invalid value for '--patients'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "demo.db").exists()


@pytest.mark.parametrize("value", ["1000001", "-3", "many"])
def test_other_bad_patient_counts_are_usage_errors(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(main, ["demo", "--no-tui", "--patients", value])
    assert result.exit_code == 2
    assert "Invalid value for '--patients'" in result.output


def test_an_unusable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = _rxmsg(tmp_path, "demo", "--no-tui", RXMSG_DATABASE_URL="mysql://nobody@nowhere/x")
    assert result.returncode == 1
    assert result.stderr.startswith("rxmsg: ") and "unsupported database" in result.stderr
    assert "mysql" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_demo_with_devices_points_at_running_simulators_until_stopped(tmp_path: Path) -> None:
    """With --no-tui it serves other terminals until SIGTERM; the pad records a consent."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
    env.update(
        RXMSG_DATA_DIR=str(tmp_path),
        RXMSG_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db",
        RXMSG_CONFIG_FILE=str(tmp_path / "none.toml"),
    )
    demo = subprocess.Popen(
        [sys.executable, "-m", "rxmsg_tui", "demo", "--no-tui", "--with-devices",
         "--patients", "20"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        said = _read_until(demo, "Ctrl-C here stops the simulators")
        pad_url = re.search(r"export RXMSG_SIGPAD_URL=(socket://127\.0\.0\.1:\d+)", said)
        ivr = re.search(r"IVR computer   simulator at 127\.0\.0\.1:(\d+)", said)
        assert pad_url and ivr, said
        shown = json.loads(_rxmsg(tmp_path, "settings", "show").stdout)
        assert (shown["setup.call_using"], shown["setup.ivr_host"]) == ("ivr", "127.0.0.1")
        assert shown["setup.ivr_port"] == int(ivr[1])
        with socket.create_connection(("127.0.0.1", int(ivr[1])), timeout=5) as conn:
            conn.sendall(b'{"op":"ping"}\n')
            assert json.loads(conn.makefile().readline()) == {"op": "pong"}

        asked = _rxmsg(
            tmp_path, "patient", "consent", "D000020", "--sigpad", RXMSG_SIGPAD_URL=pad_url[1]
        )
        assert asked.returncode == 0, asked.stderr
        assert asked.stdout.startswith("D000020: consent recorded for email, sms, call")
        ledger = json.loads(
            _rxmsg(tmp_path, "patient", "show", "D000020", "--format", "json").stdout
        )
        assert "sigpad" in json.dumps(ledger)
        pad_log = (tmp_path / "logs" / "demo-sigpad-sim.log").read_text()
        assert "PROMPT" in pad_log and "answered YES" in pad_log

        demo.send_signal(signal.SIGTERM)
        _, rest = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, rest
    assert "rxmsg demo: simulators stopped" in rest and "Traceback" not in rest
    restored = json.loads(_rxmsg(tmp_path, "settings", "show").stdout)
    assert (restored["setup.call_using"], restored["setup.ivr_port"]) == ("none", 5060)
    with pytest.raises(OSError):  # the simulators are gone with the demo
        socket.create_connection(("127.0.0.1", int(ivr[1])), timeout=2).close()


def _read_until(process: subprocess.Popen[str], marker: str) -> str:
    """Stderr lines until `marker` (the demo is ready), or fail with what it said."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("".join(lines) or f"the demo ended with {process.poll()}")


def test_the_tui_the_demo_opens_with_devices_asks_the_running_pad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The App gets RXMSG_SIGPAD_URL of the pad simulator and a setup calling its IVR."""
    from rxmsg_tui.cli import demo_cmd
    from rxmsg_tui.services.context import AppContext
    from rxmsg_tui.services.store_settings import read_settings

    for key in [k for k in os.environ if k.startswith("RXMSG_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("RXMSG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RXMSG_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(tmp_path / "none.toml"))
    seen: dict[str, object] = {}

    def tui(context: AppContext) -> None:
        """Instead of the App: what it would be given, and a PING to the pad it would ask."""
        url = context.settings.sigpad_url or ""
        seen["setup"] = read_settings(context.db, context.actor.store_id)["setup.call_using"]
        host, port = url.removeprefix("socket://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as pad:
            pad.sendall(b"PING\r\n")
            seen["pad"] = pad.makefile("rb").readline()

    monkeypatch.setattr(demo_cmd, "open_tui", tui)
    result = CliRunner().invoke(main, ["demo", "--with-devices", "--patients", "5"])
    assert result.exit_code == 0, result.output
    assert seen == {"setup": "ivr", "pad": b"PONG\r\n"}
    assert "rxmsg demo: simulators stopped" in result.output
