"""Support's key pair for the suite, and codes made with it as `rxmsg support unlock-code` does."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rxmsg_tui.domain.unlock_code import NONCE_BYTES, make_code

SUPPORT_KEY = Ed25519PrivateKey.generate()
"""Support's private key; stores in the tests get only `SUPPORT_PUBLIC_PEM`."""
SUPPORT_PUBLIC_PEM = (
    SUPPORT_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode("ascii")
)


def unlock_code(
    store: str = "MAIN",
    *,
    minutes: int = 30,
    expires_at: datetime | None = None,
    key: Ed25519PrivateKey = SUPPORT_KEY,
) -> str:
    """A fresh single-use code for `store`, valid `minutes` of real time (or until `expires_at`)."""
    until = expires_at or datetime.now(UTC) + timedelta(minutes=minutes)
    return make_code(key, store, until, secrets.token_bytes(NONCE_BYTES))
