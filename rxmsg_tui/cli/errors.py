"""Turns every expected failure into one line on stderr and exit 1; never a traceback."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from rxmsg_tui.config import ConfigError
from rxmsg_tui.domain.settings_keys import SettingError
from rxmsg_tui.services.errors import ServiceError
from rxmsg_tui.storage.engine import DatabaseUrlError

EXPECTED = (ServiceError, ConfigError, SettingError, DatabaseUrlError)


def fail(message: str) -> NoReturn:
    click.echo(f"rxmsg: {message}", err=True)
    sys.exit(1)


class RxmsgGroup(click.Group):
    """A click group whose commands report failures as `rxmsg: reason` with exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EXPECTED as exc:
            fail(str(exc))
        except OperationalError as exc:
            fail(f"the database cannot be used: {_first_line(exc.orig)}")
        except SQLAlchemyError as exc:
            fail(f"database error: {_first_line(exc)}")
        except KeyboardInterrupt:
            click.echo("rxmsg: interrupted", err=True)
            sys.exit(130)


def _first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
