"""When a message may go out: the store's windows and the TCPA quiet hours.

The store says "Only Send Email/SMS Between", "Send Email/SMS on These Days"
and "Only Call Between", in the store's time zone. Beyond the legacy, SMS and
calls also keep a hard floor of 08:00–21:00 in the recipient's local time (by
the number's area code; every zone the number may be in must be inside it),
whatever the store window says. Verification codes asked for at the counter
go at once whatever the store window, but a code by SMS or call still keeps
the 08:00–21:00 floor: the patient at the counter can wait for an email code
or come back, and a text at night is what TCPA forbids. A message outside
its window is never dropped: `next_allowed` says when it may go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

from rxmsg_tui.domain.settings_keys import WEEKDAYS
from rxmsg_tui.domain.vocabulary import AlertType, Method

QUIET_END = time(8, 0)
QUIET_START = time(21, 0)
_LOOKAHEAD_DAYS = 8


@dataclass(frozen=True)
class StoreWindows:
    zone: ZoneInfo
    email_sms: tuple[time, time]
    call: tuple[time, time]
    days: frozenset[str]

    @classmethod
    def from_settings(cls, zone: str, email_sms: str, call: str, days: list[str]) -> StoreWindows:
        return cls(ZoneInfo(zone), parse_window(email_sms), parse_window(call), frozenset(days))


def parse_window(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def recipient_zones(phone: str, fallback: ZoneInfo) -> list[ZoneInfo]:
    """The zones a number may ring in; the store's when the number says nothing."""
    return list(_zones(_zone_key(phone))) or [fallback]


NANP_FREE_DIGITS = 3
"""How many final digits of a +1 number never decide its zones: every national pattern of
the +1 regions ends in three or more free digits, and the zone prefixes are at most seven
digits long (`tests/test_send_windows.py` holds phonenumbers' metadata to both)."""

_NANP = re.compile(r"\+1\d{10}")


def _zone_key(phone: str) -> str:
    """A +1 number with its free digits zeroed, so one lookup serves its whole exchange.

    Asking phonenumbers costs about 0.3 ms (it works out the number's type
    against every pattern first), as much as sending the text; a dispatcher
    asks for every SMS and call it sends.
    """
    if _NANP.fullmatch(phone):
        return phone[:-NANP_FREE_DIGITS] + "0" * NANP_FREE_DIGITS
    return phone


@lru_cache(maxsize=8192)
def _zones(phone: str) -> tuple[ZoneInfo, ...]:
    try:
        names = number_zones.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(ZoneInfo(n) for n in names if n != "Etc/Unknown")


def may_send(
    method: Method, alert_type: AlertType, at: datetime, store: StoreWindows, recipient: str
) -> bool:
    if alert_type is not AlertType.VERIFICATION and not _store_open(method, at, store):
        return False
    if method is Method.EMAIL:
        return True
    return all(_quiet_hours_over(at, zone) for zone in recipient_zones(recipient, store.zone))


def next_allowed(
    method: Method, alert_type: AlertType, at: datetime, store: StoreWindows, recipient: str
) -> datetime | None:
    """The first instant at or after `at` when the message may go; None if never in 8 days."""
    if may_send(method, alert_type, at, store, recipient):
        return at
    zones = [store.zone] + (
        [] if method is Method.EMAIL else recipient_zones(recipient, store.zone)
    )
    opening, _ = store.call if method is Method.CALL else store.email_sms
    candidates = set()
    for zone in zones:
        first_day = at.astimezone(zone).date()
        for offset in range(_LOOKAHEAD_DAYS + 1):
            day = first_day + timedelta(days=offset)
            for moment in (opening, QUIET_END):
                candidate = _on(day, moment, zone)
                if candidate > at:
                    candidates.add(candidate)
    for candidate in sorted(candidates):
        if may_send(method, alert_type, candidate, store, recipient):
            return candidate
    return None


def _store_open(method: Method, at: datetime, store: StoreWindows) -> bool:
    local = at.astimezone(store.zone)
    if method is Method.CALL:
        start, end = store.call
    else:
        if WEEKDAYS[local.weekday()] not in store.days:
            return False
        start, end = store.email_sms
    return start <= local.time().replace(tzinfo=None) < end


def _quiet_hours_over(at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone).time().replace(tzinfo=None)
    return QUIET_END <= local < QUIET_START


def _on(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """`moment` on `day` in `zone`; a time skipped by DST moves on to the next valid instant."""
    naive = datetime.combine(day, moment)
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    return aware if round_trip == naive else aware + timedelta(hours=1)
