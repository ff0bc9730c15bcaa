"""Deterministic demo patients with their prescriptions and consent, drawn from seeded streams.

Patient `i` depends only on the seed and `i`, never on how many patients are
asked for or which others are generated, so a run of 300 starts with the same
200 patients as a run of 200, and a later run can generate just the patients
that are missing. Fill dates are offsets from "today", anchored by the writer.
Draws are plain `random()` arithmetic, 5× faster than `randint` and `choice`.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar

from rxmsg_tui.services.demo import catalogue as cat
from rxmsg_tui.services.demo.showcase import SHOWCASE_PATIENTS, SHOWCASE_RX

SEED = 20_260_302
RX_PER_PATIENT = 5
BLOCK = 100
RX_NUMBER_BASE = 1_000_000
WORDING_VERSION = "consent-2024-01"

_DOB_DAYS = [
    (d.month, d.day)
    for d in (date.fromordinal(date(2025, 1, 1).toordinal() + n) for n in range(365))
]
"""Month and day of a common year: random birthdays never land on 29 February."""
_SLUGS = {
    name: cat.email_slug(name)
    for names in (
        cat.FEMALE_NAMES,
        cat.MALE_NAMES,
        cat.LAST_NAMES,
        cat.SPANISH_FEMALE_NAMES,
        cat.SPANISH_MALE_NAMES,
        cat.SPANISH_LAST_NAMES,
    )
    for name in names
}
_TRANSACTIONAL = ("transactional",)
_BOTH = ("transactional", "marketing")
_T = TypeVar("_T")
Unit = Callable[[], float]
"""A uniform draw in [0, 1)."""


class _RxPlan(NamedTuple):
    """How a drug is dispensed: the days supplies and refill counts seen on its prescriptions."""

    ndc: str
    days: tuple[int, ...]
    refills: tuple[int, ...]


def _plan(drug: cat.DemoDrug) -> _RxPlan:
    if drug.dea_schedule == 2:
        # Schedule II prescriptions cannot be refilled.
        return _RxPlan(drug.ndc, (30,) if drug.maintenance else (3, 5, 7), (0,))
    if drug.maintenance:
        most = 5 if drug.dea_schedule else 11  # C3-C5: at most 5 refills in 6 months
        return _RxPlan(drug.ndc, (30, 30, 30, 90, 90), (0, 0, *range(1, most + 1)))
    return _RxPlan(drug.ndc, (5, 7, 10, 14), (0, 0, 1))


_PLANS = [_plan(d) for d in cat.DRUGS]
_PLAN_WEIGHTS = list(itertools.accumulate(d.weight for d in cat.DRUGS))


class RxSpec(NamedTuple):
    patient_key: str
    rx_number: str
    ndc: str
    days_supply: int
    due_in_days: int
    """Due date minus today; negative when the refill is overdue."""
    refills_remaining: int
    active: bool


class ConsentSpec(NamedTuple):
    patient_key: str
    channel: str
    purpose: str
    granted: bool
    source: str
    days_ago: int


@dataclass
class PatientBatch:
    patients: list[dict[str, Any]] = field(default_factory=list)
    prescriptions: list[RxSpec] = field(default_factory=list)
    consents: list[ConsentSpec] = field(default_factory=list)


def patient_key(index: int) -> str:
    return f"D{index:06d}"


def rx_number(index: int, nth: int) -> str:
    return str(RX_NUMBER_BASE + (index - 1) * RX_PER_PATIENT + nth)


def generate(indices: Iterable[int], *, batch_size: int) -> Iterator[PatientBatch]:
    """The patients numbered `indices`, in batches, with their prescriptions and consent.

    Each block of `BLOCK` patients has its own seeded stream, so a patient is
    the same whichever others are generated; reseeding per block rather than
    per patient keeps Mersenne Twister's costly seeding off the hot path.
    """
    rng = random.Random()
    batch = PatientBatch()
    block = next_index = -1
    for index in indices:
        if index // BLOCK != block or index < next_index:
            block, next_index = index // BLOCK, index // BLOCK * BLOCK
            rng.seed(SEED * 1_000_000 + block)
        while next_index < index:  # draw the skipped patients so the stream stays aligned
            _add_patient(rng.random, next_index, PatientBatch())
            next_index += 1
        _add_patient(rng.random, index, batch)
        next_index = index + 1
        if len(batch.patients) == batch_size:
            yield batch
            batch = PatientBatch()
    if batch.patients:
        yield batch


def _pick(unit: Unit, options: Sequence[_T]) -> _T:
    return options[int(unit() * len(options))]


def _add_patient(unit: Unit, index: int, batch: PatientBatch) -> None:
    key = patient_key(index)
    hispanic = unit() < 0.25
    female = unit() < 0.55
    if hispanic:
        first = _pick(unit, cat.SPANISH_FEMALE_NAMES if female else cat.SPANISH_MALE_NAMES)
        last = _pick(unit, cat.SPANISH_LAST_NAMES)
    else:
        first = _pick(unit, cat.FEMALE_NAMES if female else cat.MALE_NAMES)
        last = _pick(unit, cat.LAST_NAMES)
    month, day = _pick(unit, _DOB_DAYS)
    phone = _phone(unit, index)
    email = _email(unit, index, first, last)
    patient: dict[str, Any] = {
        "patient_id": key,
        "first_name": first,
        "last_name": last,
        "dob": date(1936 + int(unit() * 84), month, day),
        "cell_phone": phone,
        "email": email,
        "language": "es" if hispanic and unit() < 0.6 else "en",
        "zip": _pick(unit, cat.ZIP_CODES),
        "cell_verified": unit() < 0.7 and phone is not None and phone.startswith("+1"),
        "email_verified": unit() < 0.55 and email is not None and "@example." in email,
    }
    consents = _consents(unit, key, phone, email)
    prescriptions = _prescriptions(unit, key, index)
    if index in SHOWCASE_PATIENTS or index in SHOWCASE_RX:
        consents = _apply_showcase(index, patient, consents, prescriptions)
    batch.patients.append(patient)
    batch.prescriptions.extend(prescriptions)
    batch.consents.extend(consents)


def _apply_showcase(
    index: int, patient: dict[str, Any], consents: list[ConsentSpec], rxs: list[RxSpec]
) -> list[ConsentSpec]:
    """Overwrite the drawn values (the draws still happen, so nothing else shifts)."""
    key = patient_key(index)
    showcase = SHOWCASE_PATIENTS.get(index)
    if showcase is not None:
        patient.update(showcase.overrides)
        if showcase.consents is not None:
            has = {"sms": patient["cell_phone"], "email": patient["email"]}
            consents = [ConsentSpec(key, *c) for c in showcase.consents if has[c[0]]]
    for nth, (ndc, days, due_in, refills) in SHOWCASE_RX.get(index, {}).items():
        rxs[nth] = RxSpec(key, rx_number(index, nth), ndc, days, due_in, refills, True)
    return consents


def _phone(unit: Unit, index: int) -> str | None:
    roll = unit()
    if roll < 0.04:
        return None
    if roll < 0.05:
        return _pick(unit, cat.INVALID_PHONES)
    # Unique for the first thousand patients; past that, numbers repeat like family phones.
    area = cat.AREA_CODES[(index // 100) % len(cat.AREA_CODES)]
    return f"+1{area}55501{index % 100:02d}"


def _email(unit: Unit, index: int, first: str, last: str) -> str | None:
    roll = unit()
    if roll < 0.12:
        return None
    if roll < 0.135:
        return _pick(unit, cat.INVALID_EMAILS)
    domain = "example.org" if index % 3 == 0 else "example.com"
    return f"{_SLUGS[first]}.{_SLUGS[last]}{index}@{domain}"


def _consents(unit: Unit, key: str, phone: str | None, email: str | None) -> list[ConsentSpec]:
    """Most patients agreed at the counter or came with consent from the pharmacy system."""
    roll = unit()
    source = "import" if unit() < 0.75 else "verbal"
    days_ago = 30 + int(unit() * 871)
    purposes = _BOTH if unit() < 0.35 else _TRANSACTIONAL
    stopped = unit() < 0.02
    if roll < 0.06:
        return []
    channels = [c for c, v in (("sms", phone), ("email", email)) if v]
    rows = [ConsentSpec(key, c, p, True, source, days_ago) for c in channels for p in purposes]
    if stopped and phone:
        # A patient who texted STOP: the ledger keeps the grant and adds the revocation.
        rows += [ConsentSpec(key, "sms", p, False, "sms-keyword", days_ago // 3) for p in purposes]
    return rows


def _prescriptions(unit: Unit, key: str, index: int) -> list[RxSpec]:
    rxs = []
    first_number = RX_NUMBER_BASE + (index - 1) * RX_PER_PATIENT
    for nth in range(RX_PER_PATIENT):
        plan = _PLANS[bisect.bisect(_PLAN_WEIGHTS, unit() * _PLAN_WEIGHTS[-1])]
        days = plan.days[int(unit() * len(plan.days))]
        refills = plan.refills[int(unit() * len(plan.refills))]
        # Days since the last fill: spread so due dates fall before, inside and after the window.
        elapsed = int(unit() * (days + 61))
        active = unit() >= 0.08
        rx = RxSpec(key, str(first_number + nth), plan.ndc, days, days - elapsed, refills, active)
        rxs.append(rx)
    return rxs
