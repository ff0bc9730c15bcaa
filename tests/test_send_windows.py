"""Send windows: store hours and days, the TCPA floor in the recipient's zone, next opening."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata
from phonenumbers.tzdata import TIMEZONE_DATA

from rxmsg_tui.domain.send_windows import (
    NANP_FREE_DIGITS,
    StoreWindows,
    may_send,
    next_allowed,
    recipient_zones,
)
from rxmsg_tui.domain.vocabulary import AlertType, Method
from tests.zones_oracle import zone_names

STORE = StoreWindows.from_settings(
    "America/New_York", "09:00-19:00", "10:00-18:00", ["mon", "tue", "wed", "thu", "fri", "sat"]
)
NY_CELL = "+12025550143"
LA_CELL = "+13105550143"
HI_CELL = "+18085550143"
R = AlertType.REFILL_REMINDER


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text + "-05:00")


@pytest.mark.parametrize(
    ("method", "alert", "at", "to", "ok"),
    [
        (Method.SMS, R, ny("2026-03-02T09:00"), NY_CELL, True),  # Monday, opening minute
        (Method.SMS, R, ny("2026-03-02T08:59"), NY_CELL, False),
        (Method.SMS, R, ny("2026-03-02T19:00"), NY_CELL, False),  # end is exclusive
        (Method.SMS, R, ny("2026-03-01T12:00"), NY_CELL, False),  # Sunday is off
        (Method.EMAIL, R, ny("2026-03-01T12:00"), "a@example.org", False),
        (Method.EMAIL, R, ny("2026-03-02T09:30"), "a@example.org", True),
        (Method.SMS, R, ny("2026-03-02T10:30"), LA_CELL, False),  # 07:30 in Los Angeles
        (Method.SMS, R, ny("2026-03-02T11:00"), LA_CELL, True),
        (Method.SMS, R, ny("2026-03-02T13:30"), HI_CELL, True),  # 08:30 in Honolulu
        (Method.EMAIL, R, ny("2026-03-02T09:30"), "x@example.org", True),
        (Method.CALL, R, ny("2026-03-02T09:30"), NY_CELL, False),  # call window from 10
        (Method.CALL, R, ny("2026-03-01T10:30"), NY_CELL, True),  # days are for email/SMS
        (Method.SMS, AlertType.VERIFICATION, ny("2026-03-02T23:30"), NY_CELL, False),  # TCPA
        (Method.SMS, AlertType.VERIFICATION, ny("2026-03-01T20:30"), NY_CELL, True),  # Sunday
        (Method.SMS, AlertType.VERIFICATION, ny("2026-03-02T08:30"), NY_CELL, True),  # 08:30
        (Method.SMS, AlertType.VERIFICATION, ny("2026-03-02T10:30"), LA_CELL, False),
        (Method.EMAIL, AlertType.VERIFICATION, ny("2026-03-02T23:30"), "a@example.org", True),
        (Method.SMS, R, ny("2026-03-02T12:00"), "+15555550100", True),  # unknown area: store zone
    ],
)
def test_may_send(method: Method, alert: AlertType, at: datetime, to: str, ok: bool) -> None:
    assert may_send(method, alert, at, STORE, to) is ok


def test_a_late_store_window_still_keeps_the_quiet_hours() -> None:
    late = StoreWindows.from_settings("America/New_York", "06:00-23:00", "06:00-23:00", ["sat"])
    assert not may_send(Method.SMS, R, ny("2026-03-07T07:30"), late, NY_CELL)
    assert not may_send(Method.CALL, R, ny("2026-03-07T21:30"), late, NY_CELL)
    assert may_send(Method.EMAIL, R, ny("2026-03-07T22:30"), late, "a@example.org")


@pytest.mark.parametrize(
    ("method", "at", "to", "expected"),
    [
        (Method.SMS, ny("2026-03-02T20:00"), NY_CELL, ny("2026-03-03T09:00")),
        (Method.SMS, ny("2026-02-28T20:00"), NY_CELL, ny("2026-03-02T09:00")),  # Sat night → Mon
        (Method.SMS, ny("2026-03-02T09:30"), LA_CELL, ny("2026-03-02T11:00")),  # 08:00 in LA
        (Method.CALL, ny("2026-03-02T09:30"), NY_CELL, ny("2026-03-02T10:00")),
        (Method.SMS, ny("2026-03-02T12:00"), NY_CELL, ny("2026-03-02T12:00")),
    ],
)
def test_next_allowed(method: Method, at: datetime, to: str, expected: datetime) -> None:
    assert next_allowed(method, R, at, STORE, to) == expected


def test_next_allowed_across_the_spring_forward_night() -> None:
    # 2026-03-08: clocks go from 02:00 to 03:00 in New York.
    early = StoreWindows.from_settings(
        "America/New_York", "02:30-19:00", "10:00-18:00", ["sun", "mon"]
    )
    at = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST
    assert next_allowed(Method.EMAIL, R, at, early, "a@example.org") == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    assert next_allowed(Method.SMS, R, at, early, NY_CELL) == datetime(
        2026, 3, 8, 12, 0, tzinfo=UTC
    )


def test_no_window_at_all_gives_none() -> None:
    never = StoreWindows.from_settings("America/New_York", "09:00-10:00", "10:00-11:00", [])
    assert next_allowed(Method.SMS, R, ny("2026-03-02T12:00"), never, NY_CELL) is None


def test_a_verification_code_by_sms_at_night_waits_for_eight_in_the_recipients_zone() -> None:
    at = ny("2026-03-02T23:30")
    expected = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert next_allowed(Method.SMS, AlertType.VERIFICATION, at, STORE, NY_CELL) == expected


def _top_level_alternatives(pattern: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in pattern:
        depth += char == "("
        depth -= char == ")"
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def test_the_last_digits_of_a_plus_one_number_never_decide_its_zones_in_the_metadata() -> None:
    """What the keyed lookup rests on, checked against the phonenumbers installed."""
    free = re.compile(r"\\d\{(\d+)\}$")
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        for name in ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate",
                     "shared_cost", "personal_number", "voip", "pager", "uan", "voicemail"):  # fmt: skip
            desc = getattr(metadata, name)
            if desc is None or desc.national_number_pattern is None:
                continue
            for part in _top_level_alternatives(desc.national_number_pattern):
                tail = free.search(part)
                assert tail and int(tail.group(1)) >= NANP_FREE_DIGITS, (region, name, part)
    plus_one = [key for key in TIMEZONE_DATA if key.startswith("1")]
    assert max(map(len, plus_one)) <= 11 - NANP_FREE_DIGITS


@settings(max_examples=400, deadline=None)
@given(
    area=st.integers(200, 999),
    exchange=st.integers(0, 999),
    line=st.integers(0, 9999),
)
def test_a_plus_one_number_rings_in_the_zones_phonenumbers_names(
    area: int, exchange: int, line: int
) -> None:
    phone = f"+1{area:03d}{exchange:03d}{line:04d}"
    expected = zone_names(phone)
    fallback = ZoneInfo("America/New_York")
    assert [z.key for z in recipient_zones(phone, fallback)] == (expected or [fallback.key])


@pytest.mark.parametrize(
    "phone",
    ["+12465210000", "+12465213999", "+18766060123", "+18766061123", "+442079460000",
     "+33142685300", "+1202555014", "not a number", ""],
)  # fmt: skip
def test_numbers_with_short_free_tails_and_foreign_numbers_keep_their_zones(phone: str) -> None:
    fallback = ZoneInfo("America/Chicago")
    expected = zone_names(phone) or [fallback.key]
    assert [z.key for z in recipient_zones(phone, fallback)] == expected
