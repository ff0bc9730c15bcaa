"""Configuration: environment over the 0600 config file; support keys; the clock follows RXMSG_NOW."""

from __future__ import annotations

import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rxmsg_tui.clock import Clock
from rxmsg_tui.config import ConfigError, load_settings, write_config_file


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith("RXMSG_"):
            monkeypatch.delenv(key)
    path = tmp_path / "cfg" / "config.toml"
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(path))
    return path


def test_config_file_is_written_private_and_read(_isolated: Path) -> None:
    write_config_file({"smtp_password": 's3"cret', "smtp_host": "mail.example.org"}, _isolated)
    assert stat.S_IMODE(_isolated.stat().st_mode) == 0o600
    settings = load_settings()
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == 's3"cret'
    assert "s3" not in repr(settings)


def test_support_keys_are_a_public_key_at_stores_and_a_key_file_at_support(
    _isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"
    write_config_file({"support_public_key": pem}, _isolated)
    assert load_settings().support_public_key == pem
    monkeypatch.setenv("RXMSG_SUPPORT_SIGNING_KEY", "/keys/rxmsg-support-signing.pem")
    assert load_settings().support_signing_key == Path("/keys/rxmsg-support-signing.pem")
    monkeypatch.setenv("RXMSG_SUPPORT_KEY", "an old shared secret")
    assert not hasattr(load_settings(), "support_key"), "the HMAC key is gone"


def test_environment_wins_over_the_file(_isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config_file({"smtp_host": "file.example.org"}, _isolated)
    monkeypatch.setenv("RXMSG_SMTP_HOST", "env.example.org")
    assert load_settings().smtp_host == "env.example.org"


def test_a_config_file_others_can_read_is_refused(_isolated: Path) -> None:
    write_config_file({"smtp_host": "x"}, _isolated)
    _isolated.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_settings()


def test_bad_toml_and_bad_values_name_the_problem(
    _isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config_file({}, _isolated)
    _isolated.write_text("smtp_port = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()
    _isolated.unlink()
    monkeypatch.setenv("RXMSG_SMTP_PORT", "many")
    with pytest.raises(ConfigError, match="RXMSG_SMTP_PORT"):
        load_settings()


def test_default_database_is_sqlite_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RXMSG_DATA_DIR", str(tmp_path))
    assert load_settings().resolved_database_url() == f"sqlite:///{tmp_path}/rxmsg.db"


def test_clock_starts_at_rxmsg_now_and_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RXMSG_NOW", "2026-03-08T01:59:00-05:00")
    clock = Clock(load_settings().now)
    first = clock.now()
    assert abs((first - datetime(2026, 3, 8, 6, 59, tzinfo=UTC)).total_seconds()) < 5
    time.sleep(0.05)
    assert clock.now() > first
    with pytest.raises(ValueError, match="time zone offset"):
        Clock(datetime(2026, 3, 8, 2, 0))
