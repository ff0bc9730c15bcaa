"""Support unlock codes: signed at support with the private key, redeemed once at the store.

Support runs `rxmsg support keygen` once and keeps the private key; each store
gets the public key (`RXMSG_SUPPORT_PUBLIC_KEY`), which checks codes but cannot
make them. A code is single use: the first use records it in `unlock_code_use`
(unique), so a code read off a screen share cannot be used again. Expiry is
measured on the real clock, never the app clock that `RXMSG_NOW` moves.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxmsg_tui.domain.unlock_code import (
    MAX_UNLOCK_MINUTES,
    NONCE_BYTES,
    UnlockCodeError,
    check_code,
    make_code,
)
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store, UnlockCodeUse

SIGNING_KEY_FILE = "rxmsg-support-signing.pem"
PUBLIC_KEY_FILE = "rxmsg-support-public.pem"
_PEM_START = "-----BEGIN"


@dataclass(frozen=True)
class UnlockGrant:
    """A code redeemed at this store: it unlocks for `username` until `expires_at` (real time)."""

    code_id: str
    store_id: int
    username: str
    expires_at: datetime


def setup_refusal(actor: Actor) -> str | None:
    """Why `actor` may not change setup, in plain words to show before any code is typed.

    None when they may. Said when a technician opens a locked screen or asks
    to unlock it, so nobody pastes a support code only to be refused.
    """
    if actor.role.may_change_setup:
        return None
    return "Read only: technicians cannot change setup; ask a pharmacist or an admin."


def unlock_time(at: datetime, zone: tzinfo) -> str:
    """An unlock expiry as the store reads it, with UTC beside it as support's code says it.

    `rxmsg support unlock-code` prints its expiry in UTC (support may be in
    another zone); the store sees its own clock with the zone named and the
    UTC time support quoted: "06:26 EST (11:26 UTC)".
    """
    local = at.astimezone(zone)
    utc = at.astimezone(UTC)
    if local.utcoffset() == timedelta(0) and local.tzname() in ("UTC", "GMT", None):
        return f"{utc:%H:%M} UTC"
    return f"{local:%H:%M} {local.tzname()} ({utc:%H:%M} UTC)"


def real_now() -> datetime:
    """Unlock time is real time: setting `RXMSG_NOW` back must not revive an expired code."""
    return datetime.now(UTC)


def write_key_pair(directory: Path) -> tuple[Path, Path]:
    """A new Ed25519 pair in `directory`: the private key 0600, the public key PEM beside it."""
    private_path, public_path = directory / SIGNING_KEY_FILE, directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise InvalidInput(f"{path} exists; rxmsg never overwrites a support key")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private_pem)
        public_path.write_bytes(public_pem)
    except OSError as exc:
        raise InvalidInput(f"cannot write the key pair in {directory}: {exc.strerror}") from None
    return private_path, public_path


def load_signing_key(path: Path | None) -> Ed25519PrivateKey:
    """Support's private key from its PEM file; refused when missing or readable by others."""
    if path is None:
        raise PermissionDenied(
            "unlock codes are made at rxmsg support with the private signing key; "
            "set RXMSG_SUPPORT_SIGNING_KEY to its PEM file"
        )
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"RXMSG_SUPPORT_SIGNING_KEY: cannot read {path}: {exc.strerror}"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(
            f"RXMSG_SUPPORT_SIGNING_KEY: {path} can be read by other users "
            f"(mode {stat.filemode(mode)}); run: chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(
            f"RXMSG_SUPPORT_SIGNING_KEY: {path} is not an unencrypted Ed25519 private key "
            "from rxmsg support keygen"
        )
    return key


def load_public_key(value: str | None) -> Ed25519PublicKey:
    """The key that checks codes: `RXMSG_SUPPORT_PUBLIC_KEY`, a PEM file or the PEM text."""
    if value is None or not value.strip():
        raise PermissionDenied(
            "RXMSG_SUPPORT_PUBLIC_KEY is not set on this machine, so unlock codes cannot be "
            "checked; ask rxmsg support for the public key"
        )
    text = value.strip()
    if not text.startswith(_PEM_START):
        try:
            text = Path(text).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not a PEM text file"
            raise InvalidInput(
                f"RXMSG_SUPPORT_PUBLIC_KEY: cannot read {value.strip()[:80]}: {reason}"
            ) from None
    if "PRIVATE KEY" in text:
        raise InvalidInput(
            "RXMSG_SUPPORT_PUBLIC_KEY holds a private key; a store needs only the public key "
            f"({PUBLIC_KEY_FILE}), the private one stays at support"
        )
    try:
        key = serialization.load_pem_public_key(text.encode("ascii", "replace"))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput("RXMSG_SUPPORT_PUBLIC_KEY is not an Ed25519 public key in PEM form")
    return key


def issue_unlock_code(
    signing_key: Path | None, store_code: str, *, minutes: int
) -> tuple[str, datetime]:
    """A code for `store_code` valid `minutes` from now (real time), and its expiry."""
    key = load_signing_key(signing_key)
    if not 1 <= minutes <= MAX_UNLOCK_MINUTES:
        raise InvalidInput(f"--minutes must be between 1 and {MAX_UNLOCK_MINUTES}")
    if not store_code.strip():
        raise InvalidInput("say which store the code is for: --store CODE")
    now = real_now()
    # Expiry is kept to the minute; round up so a code lives at least `minutes`.
    expires_at = (now + timedelta(minutes=minutes, seconds=60)).replace(second=0, microsecond=0)
    code = make_code(key, store_code, expires_at, secrets.token_bytes(NONCE_BYTES))
    return code, expires_at


def redeem_unlock_code(
    db: Database, actor: Actor, code: str, *, public_key: str | None
) -> UnlockGrant:
    """Use `code` now (recorded: it cannot be used again); the grant lasts until it expires."""
    with db.transaction() as session:
        return check_unlock(session, actor, code, public_key=public_key)


def check_unlock(
    session: Session, actor: Actor, unlock: str | UnlockGrant, *, public_key: str | None
) -> UnlockGrant:
    """In the caller's transaction: a code is redeemed, a grant is checked to be still valid.

    A code redeemed by a change that then fails is not used up: the record of
    its use rolls back with the change.
    """
    if not actor.role.may_change_setup:
        raise PermissionDenied(f"{actor.username} is a technician; technicians cannot change setup")
    now = real_now()
    if isinstance(unlock, UnlockGrant):
        return _still_valid(session, actor, unlock, now)
    try:
        checked = check_code(load_public_key(public_key), actor.store_code, unlock, now)
    except UnlockCodeError as exc:
        raise PermissionDenied(str(exc)) from None
    used = _use(session, checked.code_id)
    if used is None:
        try:
            with session.begin_nested():
                session.add(
                    UnlockCodeUse(
                        store_id=actor.store_id,
                        code_id=checked.code_id,
                        used_at=now,
                        username=actor.username,
                        expires_at=checked.expires_at,
                    )
                )
        except IntegrityError:  # used at the same moment by another terminal
            used = _use(session, checked.code_id)
    if used is not None:
        raise PermissionDenied(
            f"this unlock code was already used at {_local(session, actor, used.used_at)} "
            f"by {used.username}; ask rxmsg support for a new code"
        )
    return UnlockGrant(checked.code_id, actor.store_id, actor.username, checked.expires_at)


def _still_valid(session: Session, actor: Actor, grant: UnlockGrant, now: datetime) -> UnlockGrant:
    used = _use(session, grant.code_id)
    if used is None or (used.store_id, used.username) != (actor.store_id, actor.username):
        raise PermissionDenied(f"no unlock code was used by {actor.username} at this store")
    if now >= grant.expires_at:
        raise PermissionDenied(
            f"the unlock code expired at {_local(session, actor, grant.expires_at)}; "
            "enter a new code from rxmsg support"
        )
    return grant


def _use(session: Session, code_id: str) -> UnlockCodeUse | None:
    return session.exec(select(UnlockCodeUse).where(UnlockCodeUse.code_id == code_id)).first()


def _local(session: Session, actor: Actor, at: datetime) -> str:
    store = session.get(Store, actor.store_id)
    return unlock_time(at, ZoneInfo(store.timezone) if store is not None else UTC)
