"""Turns every failure into one line on stderr and exit 1; never a traceback, never a password.

Expected failures (bad input, refused permissions, an unusable database) say
what is wrong. Whatever else escapes a command (a full disk, input nested so
deep that Python's stack runs out, a bug) still ends as one line naming the
kind of fault, so a script sees exit 1 and a person sees no Python internals.
Every line is flattened, cut to `MAX_LINE` characters and has database
passwords masked: messages are pasted into support tickets as they are.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import MASK, one_line, url_password

EXPECTED = (
    ("rxmsg_tui.services.errors", "ServiceError"),
    ("rxmsg_tui.config", "ConfigError"),
    ("rxmsg_tui.domain.settings_keys", "SettingError"),
    ("rxmsg_tui.storage.engine", "DatabaseUrlError"),
)
"""Failures whose message is written for the user. Named, not imported: an exception
can only be of a class whose module was loaded, and loading them all (SQLAlchemy,
pydantic) would cost every `rxmsg --help` a second."""
_CLICK_OWN = (click.exceptions.Exit, click.Abort)
"""`--help`, `--version` and ctrl+c at a prompt: click ends these its own way."""
MIN_SECRET = 3
"""Shorter secrets are not replaced in text: masking every "ab" would garble the message."""


def fail(message: str) -> NoReturn:
    click.echo(f"rxmsg: {one_line(_without_secrets(message))}", err=True)
    sys.exit(1)


class RxmsgGroup(click.Group):
    """A click group whose commands report failures as `rxmsg: reason` with exit code 1."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise _tidied(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            raise _tidied(exc) from None
        except _CLICK_OWN:
            raise
        except KeyboardInterrupt:
            click.echo("rxmsg: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # `rxmsg queue | head`: the reader has what it wanted; that is no failure.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:
            fail(_failure_line(exc))


def failure_text(exc: Exception) -> str:
    """The line `fail` would print for `exc`, for a screen to show (the TUI's start-up)."""
    return one_line(_without_secrets(_failure_line(exc)))


def _failure_line(exc: Exception) -> str:
    if _is_loaded_instance(exc, EXPECTED):
        return str(exc)
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is not None:
        if isinstance(exc, sqlalchemy_errors.OperationalError):
            return f"the database cannot be used: {_first_line(exc.orig)}"
        if isinstance(exc, sqlalchemy_errors.SQLAlchemyError):
            return f"database error: {_first_line(getattr(exc, 'orig', None) or exc)}"
    return describe_unexpected(exc)


def _is_loaded_instance(exc: Exception, names: tuple[tuple[str, str], ...]) -> bool:
    for module_name, class_name in names:
        module = sys.modules.get(module_name)
        if module is not None and isinstance(exc, getattr(module, class_name)):
            return True
    return False


def _tidied(exc: click.ClickException) -> click.ClickException:
    """Click's messages quote a bad value whole: cut it as ours are (exit codes stay click's)."""
    vars(exc)["message"] = one_line(_without_secrets(exc.message))  # typed Final, set once here
    return exc


def describe_unexpected(exc: BaseException) -> str:
    """One line for an exception no command expected: what kind of fault, and where if known."""
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "not enough memory for this input; is a file or value far larger than meant?"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or _first_line(exc)}{where}"
    return f"unexpected error ({type(exc).__name__}): {_first_line(exc)}"


def _without_secrets(message: str) -> str:
    """The message with this command's database password and provider keys masked.

    The URL patterns in `one_line` catch a password inside a URL; this also
    catches one a driver quotes on its own.
    """
    for secret in _secrets():
        message = message.replace(secret, MASK)
    return message


def _secrets() -> list[str]:
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CliState) if ctx else None
    if state is None:
        return []
    found = [_password(state.db_url or os.environ.get("RXMSG_DATABASE_URL"))]
    found += _settings_secrets(state)
    return [s for s in found if s and len(s) >= MIN_SECRET]


def _settings_secrets(state: CliState) -> list[str | None]:
    """The secrets of the settings, once read: a secret never read cannot be in a message."""
    if not state.has_settings:
        return []
    from pydantic import SecretStr

    try:
        settings = state.settings
    except Exception:  # the failure being reported may be the settings themselves
        return []
    secrets = [v.get_secret_value() for v in vars(settings).values() if isinstance(v, SecretStr)]
    return [_password(settings.database_url), *secrets]


def _password(url: str | None) -> str | None:
    return url_password(url) if url else None


def _first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
