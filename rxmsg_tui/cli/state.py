"""Builds settings, engine, store and signed-in user once per command invocation.

Everything is imported when first used: `rxmsg --help` and a mistyped
option never load pydantic or SQLAlchemy.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rxmsg_tui.clock import Clock
    from rxmsg_tui.config import Settings
    from rxmsg_tui.services.context import AppContext
    from rxmsg_tui.storage.database import Database


@dataclass
class CliState:
    """What the `rxmsg` group hands its subcommands; the context is built on first use."""

    db_url: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _context: AppContext | None = field(default=None, repr=False)
    _clock: Clock | None = field(default=None, repr=False)
    _db: Database | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from rxmsg_tui.config import load_settings

            self._settings = load_settings(database_url=self.db_url)
        return self._settings

    @property
    def has_settings(self) -> bool:
        """Whether the settings (and so any secret in them) have been read yet."""
        return self._settings is not None

    @property
    def clock(self) -> Clock:
        """One clock per command, so everything it does agrees on `RXMSG_NOW`.

        `RXMSG_NOW` moves the clock, which decides when texts may go out and
        what the audit log says; only a database of test stores accepts it.
        """
        if self._clock is None:
            from rxmsg_tui.clock import Clock
            from rxmsg_tui.services.stores import refuse_clock_override

            start = self.settings.now
            if start is not None:
                refuse_clock_override(self.database())
            self._clock = Clock(start)
        return self._clock

    def database(self) -> Database:
        """The migrated database, without signing anybody in (support commands need no user)."""
        if self._db is None:
            from rxmsg_tui.cli.logs import LOG_FILE, log_to_file
            from rxmsg_tui.config import ensure_data_dir
            from rxmsg_tui.storage.database import Database
            from rxmsg_tui.storage.engine import make_engine

            ensure_data_dir(self.settings.data_dir)
            try:
                log_to_file(self.settings.data_dir / LOG_FILE)
            except OSError as exc:  # the log is for support; the command still runs without it
                click.echo(f"rxmsg: warning: cannot write {LOG_FILE}: {exc.strerror}", err=True)
            db = Database(make_engine(self.settings.resolved_database_url()))
            db.migrate()
            self._db = db
        return self._db

    def context(self, *, store_code: str | None = None, db: Database | None = None) -> AppContext:
        """Settings, migrated database, store (RXMSG_STORE unless given) and signed-in user."""
        if self._context is None:
            from rxmsg_tui.services.context import AppContext
            from rxmsg_tui.services.stores import resolve_store
            from rxmsg_tui.services.users import sign_in

            settings = self.settings
            username = current_login()
            if db is not None:
                self._db = db
            db = self.database()
            clock = self.clock
            overridden = settings.now is not None
            store = resolve_store(
                db, store_code or settings.store, now=clock.now(), clock_overridden=overridden
            )
            actor = sign_in(db, store, username, now=clock.now())
            self._context = AppContext(
                settings=settings, clock=clock, db=db, store=store, actor=actor
            )
        return self._context


def current_login() -> str:
    """The OS account running this process, from the password database.

    Never LOGNAME or USER: whoever types the command can set those, and the
    role (and the audit log) must follow the account that actually logged in.
    """
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        from rxmsg_tui.services.errors import PermissionDenied

        raise PermissionDenied(
            f"this process runs as uid {uid}, which has no entry in the password database, "
            "so rxmsg cannot tell who you are; log in with your own account"
        ) from None
