"""The first demo patients, fixed so every case a pharmacist asks about is always there.

Even `rxmsg demo --patients 11` shows the leap-day birthday, a missing and an
invalid phone and email, unverified contacts, no consent, a STOP, Spanish, and
prescriptions due in, before and after the refill window; random patients
follow from number 12 on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rxmsg_tui.services.demo.catalogue import AREA_CODES, email_slug

Consent = tuple[str, str, bool, str, int]
"""channel, purpose, granted, source, days ago."""

_FULL: tuple[Consent, ...] = (
    ("sms", "transactional", True, "import", 400),
    ("email", "transactional", True, "import", 400),
    ("sms", "marketing", True, "verbal", 120),
    ("email", "marketing", True, "verbal", 120),
)


@dataclass(frozen=True)
class Showcase:
    overrides: dict[str, Any]
    consents: tuple[Consent, ...] | None = _FULL
    """None keeps the random consent; an empty tuple means none was ever given."""


def _person(first: str, last: str, index: int, **extra: Any) -> dict[str, Any]:
    slug = f"{email_slug(first)}.{email_slug(last)}"
    domain = "example.org" if index % 3 == 0 else "example.com"
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "cell_phone": f"+1{AREA_CODES[0]}55501{index:02d}",  # as the generator numbers them
        "email": f"{slug}{index}@{domain}",
        "language": "en",
        "cell_verified": True,
        "email_verified": True,
    }
    values.update(extra)
    return values


SHOWCASE_PATIENTS: dict[int, Showcase] = {
    1: Showcase(_person("Elizabeth", "Johnson", 1, dob=date(1958, 6, 14))),
    2: Showcase(
        _person("María", "Hernández", 2, dob=date(1971, 11, 3), language="es"),
        (("sms", "transactional", True, "verbal", 200),),
    ),
    3: Showcase(_person("Robert", "Miller", 3, dob=date(1988, 2, 29))),
    4: Showcase(
        _person(
            "Dorothy", "Kowalski", 4, dob=date(1944, 9, 21), cell_phone=None, cell_verified=False
        )
    ),
    5: Showcase(
        _person(
            "José",
            "Ramírez",
            5,
            dob=date(1983, 4, 8),
            language="es",
            email=None,
            email_verified=False,
        )
    ),
    6: Showcase(
        _person(
            "Kevin", "O'Brien", 6, dob=date(1969, 1, 30), cell_phone="555-12", cell_verified=False
        )
    ),
    7: Showcase(
        _person(
            "Jane", "Novak", 7, dob=date(1992, 7, 17), email="jane@@example", email_verified=False
        )
    ),
    8: Showcase(
        _person(
            "Anthony", "Nguyen", 8, dob=date(1977, 3, 25), cell_verified=False, email_verified=False
        )
    ),
    9: Showcase(_person("Linda", "Patel", 9, dob=date(1963, 12, 2)), ()),
    10: Showcase(
        _person("Carlos", "Mendoza", 10, dob=date(1990, 5, 19), language="es"),
        (
            ("sms", "transactional", True, "import", 300),
            ("email", "transactional", True, "import", 300),
            ("sms", "transactional", False, "sms-keyword", 20),
        ),
    ),
    11: Showcase(
        _person(
            "Walter",
            "Schmidt",
            11,
            dob=date(1939, 10, 11),
            cell_phone=None,
            email=None,
            cell_verified=False,
            email_verified=False,
        ),
        (),
    ),
}

RxOverride = tuple[str, int, int, int]
"""ndc, days supply, due in days (negative: overdue), refills remaining."""

SHOWCASE_RX: dict[int, dict[int, RxOverride]] = {
    1: {
        0: ("99101-0201-30", 30, 2, 5),  # due in 2 days: inside the "due" window
        1: ("99101-0310-90", 90, -3, 3),  # 3 days overdue: inside the "past due" window
        2: ("99102-0500-01", 30, 20, 6),  # due in 20 days: before the window
        3: ("99102-0505-90", 30, -30, 4),  # 30 days overdue: after the window
        4: ("99302-0036-30", 30, 1, 0),  # C2, no refills: never reminded
    },
    3: {
        0: ("99401-0802-30", 30, 3, 2),  # C3
        1: ("99501-0005-60", 30, 0, 2),  # C4
        2: ("99601-0075-60", 30, -2, 1),  # C5
        3: ("99201-0500-21", 10, -1, 0),  # acute, non-maintenance
    },
}
