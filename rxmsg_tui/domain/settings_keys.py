"""The stable settings keys of DESIGN.md §8: their types, allowed values and locks.

`rxmsg settings`, the setup screens and JSON export/import all go through
`validate`, so a value refused in one place is refused everywhere with the
same words.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rxmsg_tui.domain.text_limits import bad_character
from rxmsg_tui.domain.vocabulary import SHORT_NAMED_ALERTS

CHANNELS = ("email", "sms", "call")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALERT_SHORT_NAMES = tuple(alert.short for alert in SHORT_NAMED_ALERTS)


class SettingError(ValueError):
    """A key or value is not acceptable; the message names the key and the rule."""


@dataclass(frozen=True)
class SettingKey:
    name: str
    description: str
    check: Callable[[str, Any], Any]
    locked: bool = False
    """Alert and default keys change only with a support unlock code."""
    admin_only: bool = False
    """Only an admin changes it (the go-live day decides who gets a Welcome Greeting)."""


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise SettingError(f"{key}: expected true or false, got {value!r}")


def _iso_day(key: str, value: Any) -> str | None:
    """A day as ISO 8601 text (`2026-12-07`), or null for "not set"."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SettingError(f'{key}: expected a date such as "2026-12-07" or null, got {value!r}')
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise SettingError(f"{key}: {value[:80]!r} is not a date such as 2026-12-07") from None


def _share(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingError(f"{key}: expected a share between 0 and 1 such as 0.05, got {value!r}")
    if not 0 <= value <= 1:
        raise SettingError(f"{key}: must be between 0 and 1 (0.05 is 5%), got {value}")
    return float(value)


def _rate(key: str, value: Any) -> float:
    """Messages a second, fractions allowed (0.5 is one every two seconds); 0 for no limit."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise SettingError(f"{key}: expected texts a second such as 1 or 0.5, got {value!r}")
    if not 0 <= value <= 1000:
        raise SettingError(f"{key}: must be between 0 (no limit) and 1000, got {value}")
    return float(value)


def _int_range(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(f"{key}: expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise SettingError(f"{key}: must be between {low} and {high}, got {value}")
        return value

    return check


def _text(max_len: int, *, required: bool = True) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise SettingError(f"{key}: expected text, got {value!r}")
        text: str = value.strip()
        if required and not text:
            raise SettingError(f"{key}: must not be empty")
        if len(text) > max_len:
            raise SettingError(f"{key}: at most {max_len} characters")
        bad = bad_character(text)  # a name is one line, shown on screens and in texts
        if bad is not None:
            raise SettingError(f"{key}: {bad.problem} (character {bad.column})")
        return text

    return check


def _choice(*allowed: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in allowed:
            raise SettingError(f"{key}: must be one of {', '.join(allowed)}; got {value!r}")
        return str(value)

    return check


def _channels(*allowed: str) -> Callable[[str, Any], list[str]]:
    def check(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingError(f'{key}: expected a list such as ["email", "sms"], got {value!r}')
        bad = [v for v in value if v not in allowed]
        if bad:
            raise SettingError(f"{key}: {bad[0]!r} is not one of {', '.join(allowed)}")
        return [c for c in allowed if c in value]

    return check


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _time(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _HHMM.match(value):
        raise SettingError(f"{key}: expected a 24-hour time HH:MM, got {value!r}")
    return value


def _window(key: str, value: Any) -> str:
    if not isinstance(value, str) or value.count("-") != 1:
        raise SettingError(f'{key}: expected "HH:MM-HH:MM", got {value!r}')
    start, end = (part.strip() for part in value.split("-"))
    _time(key, start)
    _time(key, end)
    if start >= end:
        raise SettingError(f"{key}: the window must start before it ends ({start}-{end})")
    return f"{start}-{end}"


def _days(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise SettingError(f'{key}: expected a list of days such as ["mon", "tue"], got {value!r}')
    bad = [d for d in value if d not in WEEKDAYS]
    if bad:
        raise SettingError(f"{key}: {bad[0]!r} is not one of {', '.join(WEEKDAYS)}")
    return [d for d in WEEKDAYS if d in value]


def _day_list(key: str, value: Any) -> list[int]:
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) for v in value
    ):
        raise SettingError(f"{key}: expected a list of day counts such as [3, 7], got {value!r}")
    if any(not 1 <= v <= 90 for v in value):
        raise SettingError(f"{key}: each day count must be between 1 and 90")
    if len(set(value)) != len(value):
        raise SettingError(f"{key}: a day count appears twice")
    return sorted(value)


def _timezone(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise SettingError(f"{key}: expected an IANA time zone such as America/New_York")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingError(f"{key}: unknown time zone {value!r}") from exc
    return value


_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _host(key: str, value: Any) -> str:
    if value == "":
        return ""
    if not isinstance(value, str):
        raise SettingError(f"{key}: expected an IP address or computer name, got {value!r}")
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if not _HOSTNAME.match(value) or value.replace(".", "").isdigit():
        raise SettingError(f"{key}: {value!r} is neither an IP address nor a computer name")
    return value


def _phone_text(key: str, value: Any) -> str:
    text = _text(32)(key, value)
    if sum(ch.isdigit() for ch in text) < 7:
        raise SettingError(f"{key}: {text!r} does not look like a phone number")
    return text


def _build() -> dict[str, SettingKey]:
    all_channels = _channels(*CHANNELS)
    text_channels = _channels("email", "sms")
    keys = [
        SettingKey("store.name", "Store name shown to patients", _text(120)),
        SettingKey("store.phone", "Store phone shown to patients", _phone_text),
        SettingKey("store.timezone", "IANA time zone of the store", _timezone),
        SettingKey(
            "store.go_live",
            "Messaging went live on (patients present then get no Welcome)",
            _iso_day,
            admin_only=True,
        ),
        SettingKey("setup.email_using", "Email Using", _choice("email_service_api", "ivr", "none")),
        SettingKey(
            "setup.sms_using",
            "SMS Using",
            _choice("sms_service_api", "message_routing_api", "ivr", "none"),
        ),
        SettingKey("setup.call_using", "Call Using", _choice("ivr", "none")),
        SettingKey("setup.ivr_host", "IP Address of IVR Computer", _host),
        SettingKey("setup.ivr_port", "Outbound Port", _int_range(1, 65535)),
        SettingKey("alerts.refill.channels", "Send Refill Reminder", all_channels, True),
        SettingKey("alerts.refill.when_due", "Send when Rxs are due", _bool, True),
        SettingKey("alerts.refill.when_past_due", "Send when Rxs are PAST DUE", _bool, True),
        SettingKey(
            "alerts.refill.before_days", "Refill Reminder Before Days", _int_range(0, 30), True
        ),
        SettingKey(
            "alerts.refill.after_days", "Refill Reminder After Days", _int_range(0, 90), True
        ),
        SettingKey("alerts.refill.non_maintenance", "Send for non-maintenance drugs", _bool, True),
        SettingKey("alerts.control_drugs", "Send messages for Control Drugs", _bool, True),
        SettingKey("alerts.c2_drugs", "Send messages for C2 Drugs", _bool, True),
        SettingKey("alerts.pickup.channels", "Send Rx Ready for Pickup", all_channels, True),
        SettingKey(
            "alerts.pickup.trigger",
            "Indicate Rx Ready for Pickup After",
            _choice("label_printed", "insurance_approved", "verified"),
            True,
        ),
        SettingKey(
            "alerts.pickup.followup_days", "Add'l Rx Pickup Reminder After Days", _day_list, True
        ),
        SettingKey(
            "alerts.pickup_confirmation.channels", "Send Rx Pickup Confirmation", all_channels, True
        ),
        SettingKey("alerts.birthday.channels", "Send Birthday Greeting", all_channels, True),
        SettingKey("alerts.welcome.channels", "Send Welcome Message", all_channels, True),
        SettingKey("alerts.general.channels", "Send General Message", text_channels, True),
        SettingKey("alerts.review.channels", "Send Customer Review Message", text_channels, True),
        SettingKey(
            "alerts.review.resend_after_days",
            "Resend Customer Review After",
            _int_range(0, 365),
            True,
        ),
        SettingKey("alerts.only_verified", "Send Only to Verified Email/Cell", _bool, True),
        SettingKey("alerts.email_sms_window", "Only Send Email/SMS Between", _window, True),
        SettingKey("alerts.call_window", "Only Call Between", _window, True),
        SettingKey("alerts.days", "Send Email/SMS on These Days", _days, True),
        SettingKey("alerts.daily_start", "Start Daily Process after", _time, True),
        SettingKey(
            "alerts.flood_guard_share",
            "Hold greetings that would reach more than this share of patients",
            _share,
            True,
        ),
        SettingKey(
            "inbound.poll_seconds", "Read patients' replies every (seconds)", _int_range(5, 3600)
        ),
        SettingKey(
            "sending.max_per_second",
            "Texts a second from each sender number (0: no limit of our own)",
            _rate,
        ),
        SettingKey(
            "defaults.apply_on",
            "Apply Default Options while",
            _choice("new_patient", "sigpad_consent"),
            True,
        ),
    ]
    keys += [
        SettingKey(f"defaults.{alert}.channels", f"Patient default for {alert}", all_channels, True)
        for alert in ALERT_SHORT_NAMES
    ]
    return {k.name: k for k in keys}


SETTING_KEYS: dict[str, SettingKey] = _build()


def validate(key: str, value: Any) -> Any:
    """The value normalised for storage, or a `SettingError` naming key and rule."""
    spec = SETTING_KEYS.get(key)
    if spec is None:
        raise SettingError(f"unknown settings key {key!r}; see `rxmsg settings show` for the keys")
    return spec.check(key, value)


def calls_in_use(values: dict[str, Any]) -> list[str]:
    """The alert keys that still send by call: Outbound Calls cannot be switched off then."""
    return [
        key
        for key, value in values.items()
        if key.startswith("alerts.") and key.endswith(".channels") and "call" in (value or [])
    ]
