"""Issues and checks support unlock codes with `RXMSG_SUPPORT_KEY`."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import SecretStr

from rxmsg_tui.domain.unlock_code import UnlockCodeError, check_code, make_code
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied

MAX_UNLOCK_MINUTES = 24 * 60


def issue_unlock_code(
    support_key: SecretStr | None, store_code: str, *, minutes: int, now: datetime
) -> tuple[str, datetime]:
    """A code for `store_code` valid `minutes` from now, and its expiry."""
    key = _key(support_key)
    if not 1 <= minutes <= MAX_UNLOCK_MINUTES:
        raise InvalidInput(f"--minutes must be between 1 and {MAX_UNLOCK_MINUTES}")
    # Expiry is kept to the minute; round up so a code lives at least `minutes`.
    expires_at = now + timedelta(minutes=minutes, seconds=60 - now.second)
    expires_at = expires_at.replace(second=0, microsecond=0)
    return make_code(key, store_code, expires_at), expires_at


def verify_unlock_code(
    support_key: SecretStr | None, store_code: str, code: str, *, now: datetime
) -> datetime:
    """The expiry of a valid code; `PermissionDenied` with the reason otherwise."""
    key = _key(support_key)
    try:
        return check_code(key, store_code, code, now)
    except UnlockCodeError as exc:
        raise PermissionDenied(str(exc)) from None


def _key(support_key: SecretStr | None) -> bytes:
    if support_key is None or not support_key.get_secret_value():
        raise PermissionDenied(
            "RXMSG_SUPPORT_KEY is not set on this machine, so unlock codes cannot be checked; "
            "ask rxmsg support"
        )
    return support_key.get_secret_value().encode("utf-8")
