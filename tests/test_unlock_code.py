"""Support unlock codes: made and checked offline; wrong store, forged, expired refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from rxmsg_tui.domain.unlock_code import UnlockCodeError, check_code, make_code
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.services.support import issue_unlock_code, verify_unlock_code

KEY = b"support-key"
NOW = datetime(2026, 3, 2, 15, 30, 20, tzinfo=UTC)


def test_a_code_is_valid_for_its_store_until_it_expires() -> None:
    code = make_code(KEY, "main", NOW + timedelta(minutes=30))
    assert check_code(KEY, "MAIN", code, NOW) == NOW.replace(second=0) + timedelta(minutes=30)
    assert check_code(KEY, "MAIN", code.lower().replace("-", " "), NOW)
    with pytest.raises(UnlockCodeError, match="expired"):
        check_code(KEY, "MAIN", code, NOW + timedelta(minutes=31))


def test_another_store_or_key_is_refused() -> None:
    code = make_code(KEY, "MAIN", NOW + timedelta(minutes=30))
    with pytest.raises(UnlockCodeError, match="not valid for store ELM"):
        check_code(KEY, "ELM", code, NOW)
    with pytest.raises(UnlockCodeError, match="not valid"):
        check_code(b"other-key", "MAIN", code, NOW)


def test_a_changed_expiry_breaks_the_signature() -> None:
    code = make_code(KEY, "MAIN", NOW + timedelta(minutes=30))
    forged = ("B" if code[0] != "B" else "C") + code[1:]
    with pytest.raises(UnlockCodeError):
        check_code(KEY, "MAIN", forged, NOW)


@given(st.text(max_size=60))
def test_any_text_is_refused_with_the_codes_own_error(text: str) -> None:
    with pytest.raises(UnlockCodeError):
        check_code(KEY, "MAIN", text, NOW)


def test_issued_codes_last_at_least_the_minutes_asked() -> None:
    key = SecretStr("k")
    code, expires_at = issue_unlock_code(key, "MAIN", minutes=1, now=NOW)
    assert expires_at >= NOW + timedelta(minutes=1)
    assert verify_unlock_code(key, "MAIN", code, now=NOW + timedelta(seconds=59)) == expires_at
    with pytest.raises(PermissionDenied, match="expired"):
        verify_unlock_code(key, "MAIN", code, now=expires_at)


def test_without_a_support_key_nothing_is_issued_or_accepted() -> None:
    with pytest.raises(PermissionDenied, match="RXMSG_SUPPORT_KEY"):
        issue_unlock_code(None, "MAIN", minutes=5, now=NOW)
    with pytest.raises(PermissionDenied, match="RXMSG_SUPPORT_KEY"):
        verify_unlock_code(SecretStr(""), "MAIN", "AAAA", now=NOW)
    with pytest.raises(InvalidInput):
        issue_unlock_code(SecretStr("k"), "MAIN", minutes=0, now=NOW)
