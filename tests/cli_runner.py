"""Runs the installed `rxmsg` as a subprocess in a private data dir, as a user would.

The signed-in user is the OS account running the suite (`ME`: root in CI, the
developer's login elsewhere), exactly as for a real user: LOGNAME and USER
are not how rxmsg tells who you are. Tests that need another role change the
role of `ME` through the services (`Rxmsg.become`), or create the database
with another admin first (`Rxmsg.create_with_admin`) so that `ME` is a stranger.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rxmsg_tui.services.stores import resolve_store
from rxmsg_tui.services.users import add_user, change_role, list_users, sign_in
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from tests.unlock_codes import SUPPORT_PUBLIC_PEM, unlock_code

ME = pwd.getpwuid(os.getuid()).pw_name
"""The OS account running the tests: who every `rxmsg` subprocess signs in as."""

OTHER_ADMIN = "boss" if ME != "boss" else "chief"

__all__ = ["ME", "OTHER_ADMIN", "Rxmsg", "assert_clean_failure", "unlock_code"]


@dataclass
class Rxmsg:
    """`rxmsg` bound to one data dir and database; `env` holds extra variables."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.home / "rxmsg.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def environment(self) -> dict[str, str]:
        """The environment each run gets: this data dir and database, no stray RXMSG_*."""
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("RXMSG_") or k == "RXMSG_NOW"
        }
        env.update(
            RXMSG_DATA_DIR=str(self.home),
            RXMSG_DATABASE_URL=self.db_url,
            RXMSG_CONFIG_FILE=str(self.home / "config.toml"),
            RXMSG_SUPPORT_PUBLIC_KEY=SUPPORT_PUBLIC_PEM,
            TERM="dumb",
        )
        env.update(self.env)
        return env

    def __call__(
        self, *args: str, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rxmsg_tui", *args],
            env=self.environment(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def become(self, role: str) -> None:
        """Make `ME` a `role` at the store; another admin keeps the store administered."""
        if not self.db_path.exists():
            done = self("users", "list")
            assert done.returncode == 0, done.stderr
        db = self._database()
        try:
            store = resolve_store(db, self.env.get("RXMSG_STORE"), now=datetime.now(UTC))
            now = datetime.now(UTC)
            assert store.id is not None
            if OTHER_ADMIN not in {user.username for user in list_users(db, store.id)}:
                add_user(db, sign_in(db, store, ME, now=now), OTHER_ADMIN, "admin", now=now)
            change_role(db, sign_in(db, store, OTHER_ADMIN, now=now), ME, role, now=now)
        finally:
            db.dispose()

    def create_with_admin(self, username: str = OTHER_ADMIN) -> None:
        """Create the database and store with `username` as its first admin: `ME` is a stranger."""
        assert not self.db_path.exists(), "create_with_admin must come before any command"
        db = self._database()
        try:
            now = datetime.now(UTC)
            overridden = "RXMSG_NOW" in self.env
            store = resolve_store(db, None, now=now, clock_overridden=overridden)
            sign_in(db, store, username, now=now)
        finally:
            db.dispose()

    def _database(self) -> Database:
        db = Database(make_engine(self.db_url))
        db.migrate()
        return db


def assert_clean_failure(result: subprocess.CompletedProcess[str], *, code: int = 1) -> None:
    """Failed the way users are promised: the exit code, a reason, never a traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip(), "a failure must say why on stderr"
