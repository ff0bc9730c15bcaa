"""Settings from `RXMSG_*` environment variables or the 0600 config file (DESIGN.md §8).

The config file is TOML in the user config dir (`rxmsg/config.toml`) with the
same keys in lower case and without the prefix (`database_url = "…"`). It may
hold credentials, so it is refused when others can read it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from rxmsg_tui.storage.engine import DatabaseUrlError, parse_database_url

APP_NAME = "rxmsg"


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and why."""


def default_config_file() -> Path:
    override = os.environ.get("RXMSG_CONFIG_FILE")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


class _ConfigFileSource(PydanticBaseSettingsSource):
    """Reads the TOML config file; environment variables win over it."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._data = _read_config_file(path)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"config file {path} can be read by other users (mode {stat.filemode(mode)}); "
            f"run: chmod 600 {path}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    return {str(k).lower().removeprefix("rxmsg_"): v for k, v in data.items()}


class Settings(BaseSettings):
    """Everything rxmsg reads from its environment; secrets stay `SecretStr`."""

    model_config = SettingsConfigDict(env_prefix="RXMSG_", extra="ignore")

    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)),
        description="Where the SQLite database, outbox and printouts live",
    )
    store: str | None = Field(None, description="Store code when a database holds several")
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    sendgrid_api_key: SecretStr | None = None
    sendgrid_base_url: str = "https://api.sendgrid.com"
    email_from: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    routing_base_url: str | None = None
    routing_api_key: SecretStr | None = None
    sigpad_url: str | None = Field(
        None, description="The signature pad: /dev/ttyUSB0, socket://host:port, rfc2217://…"
    )
    sigpad_baud: int = Field(9600, description="Baud rate of a pad on a serial port")
    sigpad_timeout: float = Field(
        120.0, gt=0, description="Seconds the patient has to sign before staff are told"
    )
    support_public_key: str | None = Field(
        None, description="Checks support unlock codes: a PEM file path or the PEM text"
    )
    support_signing_key: Path | None = Field(
        None, description="At support only: the Ed25519 private key (PEM file) that signs codes"
    )
    now: datetime | None = Field(
        None,
        description="Test stores only (DESIGN.md §9): the clock's start; a live store refuses it",
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description=(
            'Keys staff rebind in the TUI, by binding id: {"profile.bell" = "f12"}; '
            "several keys separated by commas"
        ),
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _ConfigFileSource(settings_cls, default_config_file()),
        )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'rxmsg.db'}"


def ensure_data_dir(path: Path) -> None:
    """The data directory exists and this process may write in it; else one line says whose.

    In a container the directory is often a bind mount owned by someone on the
    host; the fix is an ownership change there, so the message names the uid.
    """
    uid, gid = os.getuid(), os.getgid()
    fix = (
        f"it must be writable by uid {uid} (this process); on the host run: "
        f"chown -R {uid}:{gid} <that directory>"
    )
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"the data directory {path} is not a directory") from None
    except PermissionError:
        raise ConfigError(f"cannot create the data directory {path}: {fix}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write in the data directory {path}: {fix}")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and config file, with a readable error."""
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "RXMSG_" + str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"{key}: {first['msg']}") from exc
    if settings.database_url:
        try:
            parse_database_url(settings.database_url)  # before any driver can echo it back
        except DatabaseUrlError as exc:
            source = "--db" if overrides.get("database_url") else "RXMSG_DATABASE_URL"
            raise ConfigError(f"{source}: {exc}") from None
    return settings


def write_config_file(values: dict[str, str], path: Path | None = None) -> Path:
    """Write a config file readable by its owner only (0600, directory 0700)."""
    target = path or default_config_file()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = [f"{key} = {_toml_string(value)}\n" for key, value in values.items()]
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    os.chmod(target, 0o600)
    return target


def _toml_string(value: str) -> str:
    """A TOML basic string; a PEM key's line breaks become escapes, as TOML requires."""
    escaped = "".join(_TOML_ESCAPES.get(ch) or _toml_char(ch) for ch in value)
    return f'"{escaped}"'


_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _toml_char(ch: str) -> str:
    return f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
