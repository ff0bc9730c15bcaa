"""`rxmsg settings`, `users` and `support` run as a user runs them."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.cli_runner import ME, OTHER_ADMIN, Rxmsg, assert_clean_failure, unlock_code


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    return Rxmsg(tmp_path / "store")


@pytest.fixture
def support(tmp_path: Path) -> Rxmsg:
    """rxmsg at support: its own key pair, and the store's database for the store code."""
    keys = tmp_path / "keys"
    made = Rxmsg(tmp_path / "support")("support", "keygen", str(keys))
    assert made.returncode == 0, made.stderr
    env = {
        "RXMSG_SUPPORT_SIGNING_KEY": str(keys / "rxmsg-support-signing.pem"),
        "RXMSG_SUPPORT_PUBLIC_KEY": str(keys / "rxmsg-support-public.pem"),
    }
    return Rxmsg(tmp_path / "store", env=env)


def _audit(rxmsg: Rxmsg) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(rxmsg.db_path) as conn:
        return conn.execute(
            "select username, target, before, after from audit_log where action='settings.set'"
        ).fetchall()


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


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    rxmsg = Rxmsg(tmp_path)
    assert rxmsg("support", "keygen", str(tmp_path / "keys")).returncode == 0
    private = tmp_path / "keys" / "rxmsg-support-signing.pem"
    public = tmp_path / "keys" / "rxmsg-support-public.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = rxmsg("support", "keygen", str(tmp_path / "keys"))
    assert_clean_failure(again)
    assert "never overwrites" in again.stderr


def test_alert_keys_need_a_code_signed_at_support_and_each_code_works_once(
    support: Rxmsg,
) -> None:
    refused = support("settings", "set", "alerts.refill.channels", '["sms"]')
    assert_clean_failure(refused)
    assert "--unlock CODE" in refused.stderr

    issued = support("support", "unlock-code", "--store", "main", "--minutes", "10")
    assert issued.returncode == 0, issued.stderr
    code = issued.stdout.strip()
    assert "\n" not in code and len(code) <= 140
    assert "valid once for store MAIN until" in issued.stderr

    assert_clean_failure(
        support("settings", "set", "alerts.refill.channels", '["sms"]', "--unlock", "AAAA-BBBB")
    )
    pasted = code.lower().replace("-", " ")  # as a remote session may mangle it
    done = support("settings", "set", "alerts.refill.channels", '["sms"]', "--unlock", pasted)
    assert done.returncode == 0, done.stderr
    assert json.loads(support("settings", "show", "alerts.refill.channels").stdout) == ["sms"]
    assert _audit(support) == [(ME, "alerts.refill.channels", "[]", '["sms"]')]

    again = support("settings", "set", "alerts.only_verified", "true", "--unlock", code)
    assert_clean_failure(again)
    assert "this unlock code was already used at " in again.stderr
    assert f" by {ME}" in again.stderr
    assert len(_audit(support)) == 1


def test_a_refused_change_does_not_use_up_the_code(rxmsg: Rxmsg) -> None:
    code = unlock_code()
    bad = rxmsg("settings", "set", "alerts.refill.before_days", "45", "--unlock", code)
    assert_clean_failure(bad)
    good = rxmsg("settings", "set", "alerts.refill.before_days", "5", "--unlock", code)
    assert good.returncode == 0, good.stderr


def test_a_store_cannot_mint_codes_and_forged_codes_are_refused(
    support: Rxmsg, tmp_path: Path
) -> None:
    at_store = Rxmsg(tmp_path / "store")  # only the public key, as a store has
    no_key = at_store("support", "unlock-code", "--store", "MAIN")
    assert_clean_failure(no_key)
    assert len(no_key.stderr.strip().splitlines()) == 1
    assert "RXMSG_SUPPORT_SIGNING_KEY" in no_key.stderr

    public = tmp_path / "store-key.pem"  # the store's key, even kept private, signs nothing
    public.write_text(Path(support.env["RXMSG_SUPPORT_PUBLIC_KEY"]).read_text())
    public.chmod(0o600)
    with_public = Rxmsg(tmp_path / "store", env={"RXMSG_SUPPORT_SIGNING_KEY": str(public)})
    minted = with_public("support", "unlock-code", "--store", "MAIN")
    assert_clean_failure(minted)
    assert "not an unencrypted Ed25519 private key" in minted.stderr

    forged = unlock_code("MAIN", key=Ed25519PrivateKey.generate())
    result = support("settings", "set", "alerts.only_verified", "true", "--unlock", forged)
    assert_clean_failure(result)
    assert "not valid for store MAIN" in result.stderr
    other_store = support("support", "unlock-code", "--store", "ELM").stdout.strip()
    result = support("settings", "set", "alerts.only_verified", "true", "--unlock", other_store)
    assert_clean_failure(result)
    assert "not valid for store MAIN" in result.stderr
    assert _audit(support) == []


def test_a_store_without_the_public_key_cannot_check_codes(rxmsg: Rxmsg) -> None:
    rxmsg.env["RXMSG_SUPPORT_PUBLIC_KEY"] = ""
    result = rxmsg("settings", "set", "alerts.only_verified", "true", "--unlock", unlock_code())
    assert_clean_failure(result)
    assert "RXMSG_SUPPORT_PUBLIC_KEY is not set" in result.stderr
    rxmsg.env["RXMSG_SUPPORT_PUBLIC_KEY"] = Ed25519PrivateKey.generate().private_bytes_raw().hex()
    result = rxmsg("settings", "set", "alerts.only_verified", "true", "--unlock", unlock_code())
    assert_clean_failure(result)
    assert "RXMSG_SUPPORT_PUBLIC_KEY" in result.stderr


def test_an_expired_code_stays_expired_with_the_clock_set_back(tmp_path: Path) -> None:
    test_store = Rxmsg(tmp_path, env={"RXMSG_NOW": "2026-01-01T09:00:00+00:00"})
    expired = unlock_code(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    test_store.env["RXMSG_NOW"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    result = test_store("settings", "set", "alerts.only_verified", "true", "--unlock", expired)
    assert_clean_failure(result)
    assert "expired" in result.stderr


def test_rxmsg_now_is_refused_by_a_live_store(rxmsg: Rxmsg) -> None:
    assert rxmsg("settings", "show").returncode == 0  # a live store: made without RXMSG_NOW
    rxmsg.env["RXMSG_NOW"] = "2026-03-02T06:20:00-05:00"
    for args in (("settings", "show"), ("dispatch", "--once"), ("run-daily",)):
        result = rxmsg(*args)
        assert_clean_failure(result)
        assert result.stderr.strip() == (
            "rxmsg: RXMSG_NOW moves the clock and is refused for live store MAIN; unset it"
        )


def test_rxmsg_now_is_honoured_by_a_test_store(tmp_path: Path) -> None:
    test_store = Rxmsg(tmp_path, env={"RXMSG_NOW": "2026-01-01T09:00:00+00:00"})
    assert test_store("settings", "set", "store.name", "Test Pharmacy").returncode == 0
    with sqlite3.connect(test_store.db_path) as conn:
        (is_test,) = conn.execute("select is_test from store").fetchone()
        (at,) = conn.execute("select at from audit_log where action='settings.set'").fetchone()
    assert is_test == 1 and str(at).startswith("2026-01-01")


def test_logname_does_not_say_who_you_are(rxmsg: Rxmsg) -> None:
    spoofed = {"LOGNAME": OTHER_ADMIN, "USER": OTHER_ADMIN}
    if ME != "root":
        spoofed = {"LOGNAME": "root", "USER": "root"}
    rxmsg.env.update(spoofed)
    assert rxmsg("settings", "set", "store.name", "Elm Street Pharmacy").returncode == 0
    assert _audit(rxmsg) == [(ME, "store.name", '"New Pharmacy"', '"Elm Street Pharmacy"')]

    rxmsg.env.update({"LOGNAME": OTHER_ADMIN, "USER": OTHER_ADMIN})
    rxmsg.become("technician")  # OTHER_ADMIN is now a real admin; ME is a technician
    denied = rxmsg("settings", "set", "store.name", "X")
    assert_clean_failure(denied)
    assert f"{ME} is a technician; technicians cannot change setup" in denied.stderr
    assert len(_audit(rxmsg)) == 1


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
    assert rxmsg("settings", "show").returncode == 0  # ME becomes admin
    assert rxmsg("users", "add", "bob", "--role", "technician").returncode == 0
    rxmsg.become("technician")
    assert rxmsg("settings", "show").returncode == 0
    denied = rxmsg("settings", "set", "store.name", "X")
    assert_clean_failure(denied)
    assert "technicians cannot change setup" in denied.stderr
    assert_clean_failure(rxmsg("users", "add", "carol", "--role", "admin"))
    listing = rxmsg("users", "list")
    expected = sorted([(ME, "technician"), ("bob", "technician"), (OTHER_ADMIN, "admin")])
    assert listing.stdout.split() == [word for pair in expected for word in pair]
    assert rxmsg("users", "add", "x", "--role", "owner").returncode == 2


def test_a_login_the_store_does_not_know_is_refused(rxmsg: Rxmsg) -> None:
    rxmsg.create_with_admin()
    stranger = rxmsg("settings", "show")
    assert_clean_failure(stranger)
    assert f"rxmsg users add {ME} --role technician" in stranger.stderr


def test_a_bad_database_url_is_one_line(rxmsg: Rxmsg) -> None:
    result = rxmsg("--db", "mysql://nowhere/x", "settings", "show")
    assert_clean_failure(result)
    assert "unsupported database" in result.stderr
    down = rxmsg("--db", "postgresql://nobody@127.0.0.1:1/none", "settings", "show")
    assert_clean_failure(down)
    assert "database cannot be used" in down.stderr
