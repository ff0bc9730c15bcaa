"""Support unlock codes: the store and an expiry, signed with HMAC-SHA256 (DESIGN.md §9).

A code carries its own expiry, so a store checks it offline with the same
support key. Codes are base32 in groups of four, easy to read out over the phone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime

_EXPIRY_BYTES = 5
_MAC_BYTES = 10
_DOMAIN = b"rxmsg-unlock-v1"


class UnlockCodeError(ValueError):
    """The code is malformed, for another store, forged or expired; the message says which."""


def make_code(key: bytes, store_code: str, expires_at: datetime) -> str:
    minutes = int(expires_at.timestamp() // 60)
    payload = minutes.to_bytes(_EXPIRY_BYTES, "big")
    raw = payload + _mac(key, store_code, payload)
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def check_code(key: bytes, store_code: str, code: str, now: datetime) -> datetime:
    """The code's expiry when it is valid for this store now; else `UnlockCodeError`."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    expected_len = ((_EXPIRY_BYTES + _MAC_BYTES) * 8 + 4) // 5
    if len(cleaned) != expected_len:
        raise UnlockCodeError("that is not an unlock code (wrong length); check for typos")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except binascii.Error:
        raise UnlockCodeError("that is not an unlock code (bad characters)") from None
    payload, mac = raw[:_EXPIRY_BYTES], raw[_EXPIRY_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, store_code, payload)):
        raise UnlockCodeError(f"the unlock code is not valid for store {store_code.upper()}")
    expires_at = datetime.fromtimestamp(int.from_bytes(payload, "big") * 60, tz=UTC)
    if now >= expires_at:
        raise UnlockCodeError(f"the unlock code expired at {expires_at:%Y-%m-%d %H:%M} UTC")
    return expires_at


def _mac(key: bytes, store_code: str, payload: bytes) -> bytes:
    message = _DOMAIN + b"|" + store_code.upper().encode("utf-8") + b"|" + payload
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]
