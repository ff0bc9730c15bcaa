"""Support unlock codes: signed at support, checked with the public key, used once, real time."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from rxmsg_tui.domain.unlock_code import (
    CODE_CHARS,
    NONCE_BYTES,
    UnlockCodeError,
    check_code,
    make_code,
)
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.services.support import (
    check_unlock,
    issue_unlock_code,
    load_public_key,
    redeem_unlock_code,
    setup_refusal,
    unlock_time,
    write_key_pair,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import UnlockCodeUse

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
PUBLIC_PEM = PUBLIC.public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
).decode("ascii")
NOW = datetime(2026, 3, 2, 15, 30, 20, tzinfo=UTC)


def code_for(
    store: str = "TEST", *, until: datetime | None = None, key: Ed25519PrivateKey = KEY
) -> str:
    expires = until or datetime.now(UTC) + timedelta(minutes=30)
    return make_code(key, store, expires, secrets.token_bytes(NONCE_BYTES))


def test_a_code_is_valid_for_its_store_until_it_expires() -> None:
    code = code_for("main", until=NOW + timedelta(minutes=30))
    checked = check_code(PUBLIC, "MAIN", code, NOW)
    assert checked.expires_at == NOW.replace(second=0) + timedelta(minutes=30)
    assert len(checked.code_id) == 64
    wrapped = code.lower().replace("-", " ")[:50] + "\n" + code[50:]  # pasted, wrapped
    assert check_code(PUBLIC, "MAIN", wrapped, NOW) == checked
    with pytest.raises(UnlockCodeError, match="expired"):
        check_code(PUBLIC, "MAIN", code, NOW + timedelta(minutes=31))


def test_codes_are_short_enough_to_paste_and_never_repeat() -> None:
    first, second = code_for(until=NOW), code_for(until=NOW)
    assert first != second
    assert len(first.replace("-", "")) == CODE_CHARS <= 120 and len(first) <= 140
    assert check_code(PUBLIC, "TEST", first, NOW - timedelta(minutes=1)).code_id != (
        check_code(PUBLIC, "TEST", second, NOW - timedelta(minutes=1)).code_id
    )


def test_another_store_or_another_signing_key_is_refused() -> None:
    code = code_for("MAIN", until=NOW + timedelta(minutes=30))
    with pytest.raises(UnlockCodeError, match="not valid for store ELM"):
        check_code(PUBLIC, "ELM", code, NOW)
    forged = code_for("MAIN", until=NOW + timedelta(minutes=30), key=Ed25519PrivateKey.generate())
    with pytest.raises(UnlockCodeError, match="not valid for store MAIN"):
        check_code(PUBLIC, "MAIN", forged, NOW)


def test_a_changed_expiry_breaks_the_signature() -> None:
    code = code_for("MAIN", until=NOW + timedelta(minutes=30))
    forged = code[:2] + ("B" if code[2] != "B" else "C") + code[3:]
    with pytest.raises(UnlockCodeError, match="not valid"):
        check_code(PUBLIC, "MAIN", forged, NOW)


@given(st.text(max_size=200))
def test_any_text_is_refused_with_the_codes_own_error(text: str) -> None:
    with pytest.raises(UnlockCodeError):
        check_code(PUBLIC, "MAIN", text, NOW)


def test_keys_are_written_once_and_only_the_private_key_signs(tmp_path: Path) -> None:
    private_path, public_path = write_key_pair(tmp_path / "keys")
    with pytest.raises(InvalidInput, match="never overwrites"):
        write_key_pair(tmp_path / "keys")
    code, expires_at = issue_unlock_code(private_path, "main", minutes=1)
    assert expires_at >= datetime.now(UTC) + timedelta(minutes=1)
    key = load_public_key(str(public_path))
    assert check_code(key, "MAIN", code, datetime.now(UTC)).expires_at == expires_at
    assert load_public_key(public_path.read_text()).public_bytes_raw() == key.public_bytes_raw()
    with pytest.raises(InvalidInput, match="private key"):
        load_public_key(private_path.read_text())
    public_path.chmod(0o600)
    with pytest.raises(InvalidInput, match="not an unencrypted Ed25519 private key"):
        issue_unlock_code(public_path, "MAIN", minutes=5)
    with pytest.raises(InvalidInput, match="between 1 and"):
        issue_unlock_code(private_path, "MAIN", minutes=0)
    private_path.chmod(0o644)
    with pytest.raises(InvalidInput, match="chmod 600"):
        issue_unlock_code(private_path, "MAIN", minutes=5)


def test_without_the_keys_nothing_is_issued_or_accepted(db: Database, admin: Actor) -> None:
    with pytest.raises(PermissionDenied, match="RXMSG_SUPPORT_SIGNING_KEY"):
        issue_unlock_code(None, "MAIN", minutes=5)
    with pytest.raises(PermissionDenied, match="RXMSG_SUPPORT_PUBLIC_KEY is not set"):
        redeem_unlock_code(db, admin, code_for(), public_key=None)


def test_a_code_works_once(db: Database, admin: Actor) -> None:
    code = code_for()
    grant = redeem_unlock_code(db, admin, code, public_key=PUBLIC_PEM)
    assert (grant.username, grant.store_id) == ("alice", admin.store_id)
    other = Actor(admin.store_id, admin.store_code, "bob", Role.PHARMACIST)
    with pytest.raises(
        PermissionDenied, match=r"already used at \d\d:\d\d E[SD]T \(\d\d:\d\d UTC\) by alice"
    ):
        redeem_unlock_code(db, other, code, public_key=PUBLIC_PEM)
    with pytest.raises(PermissionDenied, match="already used"):
        redeem_unlock_code(db, admin, code, public_key=PUBLIC_PEM)
    with db.transaction() as session:  # the grant itself keeps working until it expires
        assert check_unlock(session, admin, grant, public_key=None) == grant
        with pytest.raises(PermissionDenied, match="no unlock code was used by bob"):
            check_unlock(session, other, grant, public_key=None)


def test_a_code_used_at_the_same_moment_twice_works_once(db: Database, admin: Actor) -> None:
    code = code_for()
    results: list[str] = []
    start = threading.Barrier(4)

    def use() -> None:
        start.wait()
        try:
            redeem_unlock_code(db, admin, code, public_key=PUBLIC_PEM)
            results.append("used")
        except PermissionDenied as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("used") == 1, results
    assert all("already used" in r for r in results if r != "used"), results
    with db.read() as session:
        assert len(list(session.exec(select(UnlockCodeUse)))) == 1


def test_expiry_is_real_time_and_a_grant_ends_with_it(db: Database, admin: Actor) -> None:
    expired = code_for(until=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(PermissionDenied, match="expired"):
        redeem_unlock_code(db, admin, expired, public_key=PUBLIC_PEM)
    grant = redeem_unlock_code(db, admin, code_for(), public_key=PUBLIC_PEM)
    ended = type(grant)(grant.code_id, grant.store_id, grant.username, datetime.now(UTC))
    with db.transaction() as session, pytest.raises(PermissionDenied, match="expired at"):
        check_unlock(session, admin, ended, public_key=None)


def test_technicians_cannot_use_up_a_code(db: Database, admin: Actor) -> None:
    tom = Actor(admin.store_id, admin.store_code, "tom", Role.TECHNICIAN)
    code = code_for()
    with pytest.raises(PermissionDenied, match="technicians cannot change setup"):
        redeem_unlock_code(db, tom, code, public_key=PUBLIC_PEM)
    assert redeem_unlock_code(db, admin, code, public_key=PUBLIC_PEM).username == "alice"


def test_unlock_times_name_the_store_zone_beside_the_utc_time_support_quotes() -> None:
    winter = datetime(2026, 1, 15, 11, 26, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 10, 26, tzinfo=UTC)
    assert unlock_time(winter, ZoneInfo("America/New_York")) == "06:26 EST (11:26 UTC)"
    assert unlock_time(summer, ZoneInfo("America/New_York")) == "06:26 EDT (10:26 UTC)"
    assert unlock_time(winter, ZoneInfo("America/Phoenix")) == "04:26 MST (11:26 UTC)"
    assert unlock_time(winter, ZoneInfo("UTC")) == "11:26 UTC"
    assert unlock_time(winter, UTC) == "11:26 UTC"


def test_a_technician_is_refused_in_plain_words_and_others_are_not() -> None:
    tom = Actor(1, "TEST", "tom", Role.TECHNICIAN)
    assert setup_refusal(tom) == (
        "Read only: technicians cannot change setup; ask a pharmacist or an admin."
    )
    assert setup_refusal(Actor(1, "TEST", "pat", Role.PHARMACIST)) is None
    assert setup_refusal(Actor(1, "TEST", "alice", Role.ADMIN)) is None
