"""`rxmsg settings`, `users` and `support unlock-code` run as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    return Rxmsg(tmp_path, env={"RXMSG_SUPPORT_KEY": "support-key"})


def test_settings_show_prints_json_with_every_key(rxmsg: Rxmsg) -> None:
    result = rxmsg("settings", "show")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["store.name"] == "New Pharmacy"
    assert values["alerts.email_sms_window"] == "09:00-19:00"
    one = rxmsg("settings", "show", "setup.ivr_port")
    assert one.stdout.strip() == "5060"


def test_set_reads_json_values_else_plain_text(rxmsg: Rxmsg) -> None:
    assert rxmsg("settings", "set", "store.name", "Elm Street Pharmacy").returncode == 0
    assert rxmsg("settings", "set", "setup.ivr_port", "7000").returncode == 0
    values = json.loads(rxmsg("settings", "show").stdout)
    assert (values["store.name"], values["setup.ivr_port"]) == ("Elm Street Pharmacy", 7000)


def test_alert_keys_need_an_unlock_code_from_support(rxmsg: Rxmsg) -> None:
    refused = rxmsg("settings", "set", "alerts.refill.channels", '["sms"]')
    assert_clean_failure(refused)
    assert "--unlock CODE" in refused.stderr

    issued = rxmsg("support", "unlock-code", "--minutes", "10")
    assert issued.returncode == 0, issued.stderr
    code = issued.stdout.strip()
    assert "\n" not in code and "valid for store MAIN until" in issued.stderr

    assert_clean_failure(
        rxmsg("settings", "set", "alerts.refill.channels", '["sms"]', "--unlock", "AAAA-BBBB")
    )
    done = rxmsg("settings", "set", "alerts.refill.channels", '["sms"]', "--unlock", code)
    assert done.returncode == 0, done.stderr
    assert json.loads(rxmsg("settings", "show", "alerts.refill.channels").stdout) == ["sms"]
    with sqlite3.connect(rxmsg.db_path) as conn:
        audit = conn.execute(
            "select username, target, before, after from audit_log where action='settings.set'"
        ).fetchall()
    assert audit == [("alice", "alerts.refill.channels", "[]", '["sms"]')]


def test_an_expired_code_is_refused(rxmsg: Rxmsg) -> None:
    rxmsg.env["RXMSG_NOW"] = "2026-01-01T09:00:00+00:00"
    code = rxmsg("support", "unlock-code", "--minutes", "5").stdout.strip()
    rxmsg.env["RXMSG_NOW"] = "2026-01-01T09:10:00+00:00"
    result = rxmsg("settings", "set", "alerts.only_verified", "true", "--unlock", code)
    assert_clean_failure(result)
    assert "expired" in result.stderr


def test_unlock_code_without_a_support_key_fails_cleanly(tmp_path: Path) -> None:
    result = Rxmsg(tmp_path)("support", "unlock-code")
    assert_clean_failure(result)
    assert "RXMSG_SUPPORT_KEY" in result.stderr


def test_export_and_import(rxmsg: Rxmsg, tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    assert rxmsg("settings", "export", str(path)).returncode == 0
    document = json.loads(path.read_text())
    document["settings"]["store.phone"] = "(555) 010-4000"
    path.write_text(json.dumps(document))
    assert rxmsg("settings", "import", str(path)).returncode == 0
    assert json.loads(rxmsg("settings", "show", "store.phone").stdout) == "(555) 010-4000"
    path.write_text("{broken")
    assert_clean_failure(rxmsg("settings", "import", str(path)))
    assert_clean_failure(rxmsg("settings", "import", str(tmp_path / "missing.json")))


@pytest.mark.parametrize(
    "args",
    [
        ("settings", "set", "store.timezone", "Mars/Base"),
        ("settings", "set", "no.such.key", "1"),
        ("settings", "set", "setup.ivr_port", "0"),
    ],
)
def test_bad_values_fail_with_one_line(rxmsg: Rxmsg, args: tuple[str, ...]) -> None:
    result = rxmsg(*args)
    assert_clean_failure(result)
    assert len(result.stderr.strip().splitlines()) == 1


def test_users_first_is_admin_strangers_refused_technicians_limited(rxmsg: Rxmsg) -> None:
    assert rxmsg("settings", "show").returncode == 0  # alice becomes admin
    stranger = rxmsg("settings", "show", login="bob")
    assert_clean_failure(stranger)
    assert "rxmsg users add bob --role technician" in stranger.stderr
    assert rxmsg("users", "add", "bob", "--role", "technician").returncode == 0
    assert rxmsg("settings", "show", login="bob").returncode == 0
    denied = rxmsg("settings", "set", "store.name", "X", login="bob")
    assert_clean_failure(denied)
    assert "technicians cannot change setup" in denied.stderr
    assert_clean_failure(rxmsg("users", "add", "carol", "--role", "admin", login="bob"))
    listing = rxmsg("users", "list")
    assert listing.stdout.split() == ["alice", "admin", "bob", "technician"]
    assert rxmsg("users", "add", "x", "--role", "owner").returncode == 2


def test_commands_not_built_yet_say_so_and_exit_1(rxmsg: Rxmsg) -> None:
    for command in ("devices",):
        result = rxmsg(command)
        assert_clean_failure(result)
        assert "not available yet" in result.stderr


def test_a_bad_database_url_is_one_line(rxmsg: Rxmsg) -> None:
    result = rxmsg("--db", "mysql://nowhere/x", "settings", "show")
    assert_clean_failure(result)
    assert "unsupported database" in result.stderr
    down = rxmsg("--db", "postgresql://nobody@127.0.0.1:1/none", "settings", "show")
    assert_clean_failure(down)
    assert "database cannot be used" in down.stderr
