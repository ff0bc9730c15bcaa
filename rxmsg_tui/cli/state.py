"""Builds settings, engine, store and signed-in user once per command invocation."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

import click

from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings, load_settings
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.stores import resolve_store
from rxmsg_tui.services.users import sign_in
from rxmsg_tui.storage.engine import make_engine


@dataclass
class CliState:
    """What the `rxmsg` group hands its subcommands; the context is built on first use."""

    db_url: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _context: AppContext | None = field(default=None, repr=False)
    _clock: Clock | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(database_url=self.db_url)
        return self._settings

    @property
    def clock(self) -> Clock:
        """One clock per command, so everything it does agrees on `RXMSG_NOW`."""
        if self._clock is None:
            self._clock = Clock(self.settings.now)
        return self._clock

    def database(self) -> Database:
        """The migrated database, without signing anybody in (support commands need no user)."""
        db = Database(make_engine(self.settings.resolved_database_url()))
        db.migrate()
        return db

    def context(self, *, store_code: str | None = None, db: Database | None = None) -> AppContext:
        """Settings, migrated database, store (RXMSG_STORE unless given) and signed-in user."""
        if self._context is None:
            settings = self.settings
            clock = self.clock
            db = db or self.database()
            store = resolve_store(db, store_code or settings.store, now=clock.now())
            actor = sign_in(db, store, current_login(), now=clock.now())
            self._context = AppContext(
                settings=settings, clock=clock, db=db, store=store, actor=actor
            )
        return self._context


def current_login() -> str:
    """The OS login, as over SSH (LOGNAME, USER, then the password database)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:
        raise click.ClickException("cannot tell who is logged in (no LOGNAME or USER)") from exc
