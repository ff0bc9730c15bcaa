"""Where a number rings, asked of phonenumbers for the whole number: the tests' oracle.

`send_windows.recipient_zones` looks a +1 number up once per exchange; the
compliance tests judge what it sent by this plain lookup instead, so a
mistake in that shortcut cannot hide behind itself.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones


def zone_names(phone: str) -> list[str]:
    """The zones phonenumbers names for `phone`, without its "unknown"."""
    try:
        names = number_zones.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return []
    return [n for n in names if n != "Etc/Unknown"]


def ring_zones(phone: str, fallback: ZoneInfo) -> list[ZoneInfo]:
    """The zones `phone` may ring in; `fallback` when phonenumbers cannot say."""
    return [ZoneInfo(n) for n in zone_names(phone)] or [fallback]
