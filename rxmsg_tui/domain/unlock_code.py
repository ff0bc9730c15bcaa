"""Support unlock codes: expiry and a nonce, signed with support's Ed25519 key (DESIGN.md §9).

Support signs with a private key that never leaves support; a store checks
with the public key only, so nobody at the counter can mint a code. The store
code is part of what is signed, not of the code itself, so a code made for
another store fails the signature while the code stays short: 75 bytes, 120
base32 characters. Base32 ignores case (remote sessions mangle shift keys);
spaces, dashes and line breaks that come along with a paste are ignored too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
MAX_UNLOCK_MINUTES = 24 * 60
"""The longest a code may stay valid, a day (`rxmsg support unlock-code --minutes` stops there)."""
NONCE_BYTES = 6
"""Random per code, so two codes for the same store and minute differ (single use)."""
_EXPIRY_BYTES = 4
_PAYLOAD_BYTES = 1 + _EXPIRY_BYTES + NONCE_BYTES
_SIGNATURE_BYTES = 64
CODE_CHARS = (_PAYLOAD_BYTES + _SIGNATURE_BYTES) * 8 // 5
GROUP = 8
_DOMAIN = b"rxmsg-unlock-v1"


class UnlockCodeError(ValueError):
    """The code is malformed, for another store, forged or expired; the message says which."""


@dataclass(frozen=True)
class CheckedCode:
    """A code with a good signature for this store: its identity and its expiry."""

    code_id: str
    """sha256 (hex) of what was signed: what single use records."""
    expires_at: datetime


def make_code(key: Ed25519PrivateKey, store_code: str, expires_at: datetime, nonce: bytes) -> str:
    """The code for `store_code` valid until `expires_at` (kept to the minute)."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"the nonce must be {NONCE_BYTES} bytes")
    minutes = int(expires_at.timestamp() // 60)
    payload = bytes([VERSION]) + minutes.to_bytes(_EXPIRY_BYTES, "big") + nonce
    raw = payload + key.sign(_signed(store_code, payload))
    text = base64.b32encode(raw).decode("ascii")
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def check_code(key: Ed25519PublicKey, store_code: str, code: str, now: datetime) -> CheckedCode:
    """The code's identity and expiry when valid for this store now; else `UnlockCodeError`."""
    raw = _decode(code)
    payload, signature = raw[:_PAYLOAD_BYTES], raw[_PAYLOAD_BYTES:]
    message = _signed(store_code, payload)
    try:
        key.verify(signature, message)
    except InvalidSignature:
        raise UnlockCodeError(
            f"the unlock code is not valid for store {store_code.upper()} "
            "(made for another store, or not by rxmsg support)"
        ) from None
    if payload[0] != VERSION:
        raise UnlockCodeError("the unlock code is from a newer rxmsg; update rxmsg at this store")
    minutes = int.from_bytes(payload[1 : 1 + _EXPIRY_BYTES], "big")
    expires_at = datetime.fromtimestamp(minutes * 60, tz=UTC)
    if now >= expires_at:
        raise UnlockCodeError(f"the unlock code expired at {expires_at:%Y-%m-%d %H:%M} UTC")
    return CheckedCode(hashlib.sha256(message).hexdigest(), expires_at)


def _decode(code: str) -> bytes:
    cleaned = "".join(ch for ch in code.upper() if not ch.isspace() and ch != "-")
    if len(cleaned) != CODE_CHARS:
        raise UnlockCodeError(
            f"that is not an unlock code (it has {CODE_CHARS} letters and digits, "
            f"this has {len(cleaned)}); check it was pasted whole"
        )
    try:
        return base64.b32decode(cleaned)
    except (binascii.Error, ValueError):
        raise UnlockCodeError(
            "that is not an unlock code (it has characters codes never use)"
        ) from None


def _signed(store_code: str, payload: bytes) -> bytes:
    return _DOMAIN + b"|" + store_code.strip().upper().encode("utf-8") + b"|" + payload
