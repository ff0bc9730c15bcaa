"""Runs the installed `rxmsg` as a subprocess in a private data dir, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Rxmsg:
    """`rxmsg` bound to one data dir and database; `env` holds extra variables."""

    home: Path
    login: str = "alice"
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.home / "rxmsg.db"

    def __call__(
        self, *args: str, login: str | None = None, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("RXMSG_") or k == "RXMSG_NOW"
        }
        env.update(
            RXMSG_DATA_DIR=str(self.home),
            RXMSG_DATABASE_URL=f"sqlite:///{self.db_path}",
            RXMSG_CONFIG_FILE=str(self.home / "config.toml"),
            LOGNAME=login or self.login,
            USER=login or self.login,
            TERM="dumb",
            **self.env,
        )
        return subprocess.run(
            [sys.executable, "-m", "rxmsg_tui", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *, code: int = 1) -> None:
    """Failed the way users are promised: the exit code, a reason, never a traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip(), "a failure must say why on stderr"
