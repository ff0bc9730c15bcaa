"""Step 1: the patients a group send may go to, with the Patient Listing's filters.

Each filter is one SQL condition on the patient row (prescriptions and
consent through EXISTS), so a page walks ix_patient_store_name from its key
as the listing does and costs the same on page 1 as on page 4,000. Whether a
row is red is decided for the page's rows only, with the same rules the send
applies (`rules.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlmodel import Session, col

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose
from rxmsg_tui.services.daily.eligibility import consent_granted, may_receive, opted_out_by_text
from rxmsg_tui.services.daily.sql import DRUG, PATIENT, PREFS, RX
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.group_send.rules import Reach, Target, address_only, reach, red_flags
from rxmsg_tui.services.group_send.types import (
    Candidate,
    CandidatePage,
    PatientFilter,
    Selection,
    SelectionCounts,
)
from rxmsg_tui.services.patients import (
    MAX_PAGE,
    display_phone,
    in_store,
    narrowed,
    prefix_range,
    search_clause,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from rxmsg_tui.storage.queries import alert_settings_or_none

CHUNK = 2_000
_ORDER = (PATIENT.c.last_name, PATIENT.c.first_name, PATIENT.c.id)
_TARGET_NAMES = "id patient_id first_name last_name cell_phone email cell_verified email_verified"
_GENERAL = PREFS.alias("general")
_TARGET_COLUMNS = (
    *(PATIENT.c[name] for name in _TARGET_NAMES.split(" ")),
    consent_granted(Channel.EMAIL, ConsentPurpose.TRANSACTIONAL),
    consent_granted(Channel.SMS, ConsentPurpose.TRANSACTIONAL),
    opted_out_by_text(),
    _GENERAL.c.email,
    _GENERAL.c.sms,
)
_TARGETS = PATIENT.outerjoin(
    _GENERAL, and_(_GENERAL.c.patient_id == PATIENT.c.id, _GENERAL.c.alert == "general")
)
_PREFERRED = {
    (email, sms): tuple(c for c, on in (("email", email), ("sms", sms)) if on)
    for email in (False, True)
    for sms in (False, True)
}
_CONSENTED = {
    (email, sms): frozenset(
        (c, ConsentPurpose.TRANSACTIONAL)
        for c, on in ((Channel.EMAIL, email), (Channel.SMS, sms))
        if on
    )
    for email in (False, True)
    for sms in (False, True)
}
_CONSENT_FILTERS = ("transactional", "marketing", "none")
_SMS_OR_EMAIL = (Channel.EMAIL, Channel.SMS)


@dataclass(frozen=True)
class StoreRules:
    """The store's side of the rules: its General channels and Send Only to Verified."""

    channels: frozenset[str]
    only_verified: bool


def store_rules(session: Session, store_id: int) -> StoreRules:
    settings = alert_settings_or_none(session, store_id)
    if settings is None:
        return StoreRules(frozenset(), False)
    return StoreRules(frozenset(settings.general_channels), bool(settings.only_verified))


def filter_clause(
    store_id: int,
    flt: PatientFilter,
    *,
    sqlite: bool,
    today: date | None = None,
    conn: Connection | None = None,
) -> ColumnElement[bool]:
    """All of the filter's conditions on `PATIENT`; bad values are refused in one line.

    `today` is the store's date (ages count in it); `conn` lets a rare ZIP,
    patient ID or last fill be read from its own index first (`narrowed`).
    """
    _check(flt)
    today = today or date.today()
    conditions: list[ColumnElement[bool]] = []
    if (
        search := search_clause(flt.search, store_id=store_id, conn=conn, sqlite=sqlite)
    ) is not None:
        conditions.append(search)
    if flt.patient_ids:
        conditions.append(PATIENT.c.patient_id.in_(list(flt.patient_ids)))
    if flt.birth_month is not None:
        month = (
            cast(func.strftime("%m", PATIENT.c.dob), Integer)
            if sqlite
            else extract("month", PATIENT.c.dob)
        )
        conditions.append(month == flt.birth_month)
    if flt.age_min is not None:
        conditions.append(PATIENT.c.dob <= _years_before(today, flt.age_min))
    if flt.age_max is not None:
        conditions.append(PATIENT.c.dob > _years_before(today, flt.age_max + 1))
    if zip_prefix := flt.zip_prefix.strip():
        conditions.append(_zip(store_id, zip_prefix, conn))
    if flt.has_cell is not None:
        has = PATIENT.c.cell_phone.like("+%")
        conditions.append(has if flt.has_cell else or_(PATIENT.c.cell_phone.is_(None), ~has))
    if flt.has_email is not None:
        has = PATIENT.c.email.like("%@%")
        conditions.append(has if flt.has_email else or_(PATIENT.c.email.is_(None), ~has))
    if flt.language:
        conditions.append(PATIENT.c.language == flt.language)
    if flt.last_fill_from or flt.last_fill_to or flt.drug_name.strip():
        conditions.append(_filled(store_id, flt, sqlite=sqlite, conn=conn))
    if flt.consent is not None:
        conditions.append(_consent(flt.consent))
    return in_store(store_id, and_(*conditions) if conditions else None)


def store_today(conn: Connection, store_id: int, now: datetime | None = None) -> date:
    """The calendar day at the store at `now` (the app's clock), not the host's day."""
    query = select(col(Store.timezone)).where(col(Store.id) == store_id)
    zone = conn.execute(query).scalar_one_or_none()
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(zone or "UTC")).date()


def find_candidates(
    db: Database,
    store_id: int,
    flt: PatientFilter,
    *,
    after: tuple[str, str, int] | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> CandidatePage:
    """One page of step 1 in listing order, each row with its red fields and reach.

    `now` is the app's clock: ages are counted in the store's date at that instant.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE} patients, not {limit}")
    with db.read() as session:
        conn = session.connection()
        query = _targets().where(_clause(conn, store_id, flt, now))
        if after is not None:
            query = query.where(tuple_(*_ORDER) > tuple_(*after))
        targets = [_target(r) for r in conn.execute(query.order_by(*_ORDER).limit(limit + 1))]
        more = len(targets) > limit
        del targets[limit:]
        rules = store_rules(session, store_id)
    rows = [_candidate(t, rules) for t in targets]
    last = targets[-1] if more and targets else None
    return CandidatePage(rows, (last.last_name, last.first_name, last.pk) if last else None)


def count_candidates(
    db: Database,
    store_id: int,
    flt: PatientFilter,
    *,
    selected: frozenset[int] | None,
    now: datetime | None = None,
) -> SelectionCounts:
    """Step 1's count line: how many are selected, and how many of them each channel reaches."""
    with db.read() as session:
        conn = session.connection()
        rules = store_rules(session, store_id)
        where = _clause(conn, store_id, flt, now)
        if selected is not None:
            if not selected:
                return SelectionCounts(0, 0, 0)
            where = and_(where, PATIENT.c.id.in_(sorted(selected)))
        reached = [
            func.coalesce(func.sum(case((_reachable(c, rules), 1), else_=0)), 0)
            for c in _SMS_OR_EMAIL
        ]
        total, by_email, by_sms = conn.execute(
            select(func.count(), *reached).select_from(PATIENT).where(where)
        ).one()
    return SelectionCounts(int(total), int(by_email), int(by_sms))


def iter_targets(
    session: Session, store_id: int, selection: Selection, *, now: datetime | None = None
) -> Iterator[list[Target]]:
    """The selected patients in listing order, a chunk at a time (memory stays one chunk deep)."""
    conn = session.connection()
    where = _clause(conn, store_id, selection.flt, now)
    if selection.chosen is not None:
        chosen = sorted(selection.chosen)
        for start in range(0, len(chosen), CHUNK):
            part = chosen[start : start + CHUNK]
            query = _targets().where(PATIENT.c.store_id == store_id, PATIENT.c.id.in_(part))
            rows = [_target(r) for r in conn.execute(query.order_by(*_ORDER))]
            if rows:
                yield rows
        return
    after: tuple[str, str, int] | None = None
    while True:
        query = _targets().where(where)
        if after is not None:
            query = query.where(tuple_(*_ORDER) > tuple_(*after))
        rows = [_target(r) for r in conn.execute(query.order_by(*_ORDER).limit(CHUNK))]
        if not rows:
            return
        after = (rows[-1].last_name, rows[-1].first_name, rows[-1].pk)
        kept = [t for t in rows if t.pk not in selection.excluded]
        if kept:
            yield kept
        if len(rows) < CHUNK:
            return


def _targets() -> Select[Any]:
    return select(*_TARGET_COLUMNS).select_from(_TARGETS)


def _candidate(target: Target, rules: StoreRules) -> Candidate:
    email, sms = (
        reach(c, target, store_channels=rules.channels,
              only_verified=rules.only_verified, restricted=False)
        for c in _SMS_OR_EMAIL
    )  # fmt: skip
    red = red_flags(
        email,
        sms,
        address_email=address_only(Channel.EMAIL, target, only_verified=rules.only_verified),
        address_sms=address_only(Channel.SMS, target, only_verified=rules.only_verified),
    )
    return Candidate(
        patient_pk=target.pk,
        patient_id=target.patient_id,
        name=target.name,
        cell=display_phone(target.cell_phone),
        email=target.email or "",
        red=red,
        by_email=_ok(email),
        by_sms=_ok(sms),
    )


def _ok(r: Reach) -> bool:
    return r.reason is None


def _reachable(channel: Channel, rules: StoreRules) -> ColumnElement[bool]:
    """The count line's SQL for `rules.reach` without restricted words (checked in step 2)."""
    if channel.value not in rules.channels:
        return false()
    preferred = exists().where(
        PREFS.c.patient_id == PATIENT.c.id,
        PREFS.c.alert == "general",
        PREFS.c[channel.value] == true(),
    )
    return and_(
        preferred,
        *may_receive(channel, ConsentPurpose.TRANSACTIONAL, only_verified=rules.only_verified),
    )


def _clause(
    conn: Connection, store_id: int, flt: PatientFilter, now: datetime | None
) -> ColumnElement[bool]:
    sqlite = conn.dialect.name == "sqlite"
    today = store_today(conn, store_id, now)
    return filter_clause(store_id, flt, sqlite=sqlite, today=today, conn=conn)


def _zip(store_id: int, prefix: str, conn: Connection | None) -> ColumnElement[bool]:
    """ZIPs starting so, as a range of ix_patient_store_zip when few patients live there."""
    ids = select(PATIENT.c.id).where(
        PATIENT.c.store_id == store_id, prefix_range(PATIENT.c.zip, prefix)
    )
    return narrowed(conn, ids, PATIENT.c.zip.startswith(prefix, autoescape=True))


def _filled(
    store_id: int, flt: PatientFilter, *, sqlite: bool, conn: Connection | None
) -> ColumnElement[bool]:
    """Some prescription of the patient filled in the dates, of a drug whose name starts so.

    Dates alone are a range of ix_rx_store_last_fill: a range holding few
    fills gives its patients first; a wide one is checked patient by patient
    as the page walks the names, where the first 51 come at once.
    """
    dates: list[ColumnElement[bool]] = []
    if flt.last_fill_from:
        dates.append(RX.c.last_fill_date >= flt.last_fill_from)
    if flt.last_fill_to:
        dates.append(RX.c.last_fill_date <= flt.last_fill_to)
    conditions: list[ColumnElement[bool]] = [RX.c.patient_id == PATIENT.c.id, *dates]
    if drug := flt.drug_name.strip():
        pattern = drug.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        name = (
            DRUG.c.name.like(pattern, escape="\\")
            if sqlite
            else DRUG.c.name.ilike(pattern, escape="\\")
        )
        drugs = select(DRUG.c.id).where(name)
        if conn is not None and conn.execute(drugs.limit(1)).first() is None:
            return false()  # no such drug: no walk of every patient to find nobody
        conditions.append(RX.c.drug_id.in_(drugs))
    dense = exists().where(*conditions)
    if not dates:
        return dense
    fills = select(RX.c.patient_id).where(
        RX.c.store_id == store_id, *dates, *conditions[1 + len(dates) :]
    )
    return narrowed(conn, fills, dense)


def _consent(wanted: str) -> ColumnElement[bool]:
    transactional = or_(*(consent_granted(c, ConsentPurpose.TRANSACTIONAL) for c in _SMS_OR_EMAIL))
    marketing = or_(*(consent_granted(c, ConsentPurpose.MARKETING) for c in _SMS_OR_EMAIL))
    if wanted == "transactional":
        return transactional
    if wanted == "marketing":
        return marketing
    return not_(or_(transactional, marketing))


def _check(flt: PatientFilter) -> None:
    if flt.birth_month is not None and not 1 <= flt.birth_month <= 12:
        raise InvalidInput(f"birthday month is 1 to 12, not {flt.birth_month}")
    for label, age in (("from", flt.age_min), ("to", flt.age_max)):
        if age is not None and not 0 <= age <= 130:
            raise InvalidInput(f"age {label} is 0 to 130, not {age}")
    if flt.age_min is not None and flt.age_max is not None and flt.age_min > flt.age_max:
        raise InvalidInput(f"age from {flt.age_min} is above age to {flt.age_max}")
    if flt.last_fill_from and flt.last_fill_to and flt.last_fill_from > flt.last_fill_to:
        raise InvalidInput("last fill: the first date is after the second")
    if flt.language is not None and flt.language not in ("en", "es"):
        raise InvalidInput(f"language is en or es, not {flt.language!r}")
    if flt.consent is not None and flt.consent not in _CONSENT_FILTERS:
        raise InvalidInput(f"consent is one of {', '.join(_CONSENT_FILTERS)}, not {flt.consent!r}")


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _target(r: Any) -> Target:
    pk, patient_id, first, last, cell, email, cell_ok, email_ok = r[:8]
    email_consent, sms_consent, stopped, email_on, sms_on = r[8:]
    return Target(
        pk, patient_id, first, last, cell, email, bool(cell_ok), bool(email_ok),
        consented=_CONSENTED[bool(email_consent), bool(sms_consent)],
        sms_opted_out=bool(stopped),
        preferred=_PREFERRED[bool(email_on), bool(sms_on)],
    )  # fmt: skip
