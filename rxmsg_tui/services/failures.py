"""What went wrong in a service call, as one line for staff and one for the log.

Screens run every service call through one helper; whatever the call raises
ends up here. A `ServiceError` already speaks to staff; a database that went
away or locked up is said in words a pharmacy can act on; anything else is
named by its type only, since the text of an unexpected exception can carry
a patient's name or a SQL statement's parameters.
"""

from __future__ import annotations

import logging
import re
import traceback

from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from rxmsg_tui.domain.settings_keys import SettingError
from rxmsg_tui.services.errors import ServiceError

REASON_LIMIT = 80
"""Characters of a driver's reason shown on screen: enough to say "database is locked"."""

UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
"""A locked file, a server gone away, no free connection: worth trying again as it was."""

_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def describe_failure(error: BaseException) -> str:
    """One readable line for the screen; a refusal keeps the service's own words."""
    if isinstance(error, ServiceError | SettingError):
        return str(error)
    if isinstance(error, UNREACHABLE):
        return (
            f"The database could not be reached ({database_reason(error)}); "
            "nothing was changed — try again"
        )
    if isinstance(error, SQLAlchemyError):
        return (
            f"The database refused the change ({database_reason(error)}); "
            "nothing was changed — try again"
        )
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        return f"The system refused ({reason}); nothing was changed — try again"
    return (
        f"Something went wrong ({type(error).__name__}); nothing was changed — "
        "try again, and tell support if it happens again"
    )


def database_reason(error: SQLAlchemyError) -> str:
    """The driver's reason in a few words (`database is locked`), never the SQL or its values."""
    cause: object = error.orig if isinstance(error, DBAPIError) else None
    text = str(cause).strip() if cause is not None else ""
    line = text.splitlines()[0] if text else type(error).__name__
    line = _PASSWORD.sub(r"\1***@", line)
    return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1] + "…"


def log_failure(log: logging.Logger, doing: str, error: BaseException) -> None:
    """A log line: what was being done, the exception's type, where it was raised.

    Refusals (`ServiceError`) are expected and logged quietly; the rest is an
    error. The exception's text is left out unless it is a database driver's
    reason, which names the fault and not the data.
    """
    kind = type(error).__name__
    if isinstance(error, ServiceError | SettingError):
        log.info("%s refused: %s", doing, kind)
        return
    reason = f": {database_reason(error)}" if isinstance(error, SQLAlchemyError) else ""
    log.error("%s failed: %s%s (at %s)", doing, kind, reason, _where(error))


def _where(error: BaseException) -> str:
    """The innermost frame of the project (or the last one): file and line, no values."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "rxmsg_tui" in frame.filename] or frames
    if not ours:
        return "unknown place"
    frame = ours[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"
