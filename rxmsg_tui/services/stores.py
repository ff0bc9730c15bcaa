"""Finds the store this terminal works for, creating a blank one on a new database."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from rxmsg_tui.domain.restricted_words import DEFAULT_RESTRICTED_WORDS
from rxmsg_tui.domain.settings_keys import WEEKDAYS
from rxmsg_tui.services.errors import NotFound, PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, OutboundSetup, RestrictedWord, Store

DEFAULT_STORE_CODE = "MAIN"


def resolve_store(
    db: Database, code: str | None, *, now: datetime, clock_overridden: bool = False
) -> Store:
    """The store named by `RXMSG_STORE`, the only store, or a new blank one.

    A store created while `RXMSG_NOW` moves the clock is a test store: only a
    test store honours the override later (DESIGN.md §9).
    """
    with db.transaction() as session:
        if code:
            store = session.exec(select(Store).where(Store.code == code.upper())).first()
            if store is None:
                known = ", ".join(session.exec(select(Store.code).order_by(Store.code))) or "none"
                raise NotFound(f"store {code!r} is not in this database (stores: {known})")
            return store
        stores = list(session.exec(select(Store).order_by(col(Store.id)).limit(2)))
        if len(stores) == 1:
            return stores[0]
        if len(stores) > 1:
            codes = ", ".join(session.exec(select(Store.code).order_by(Store.code)))
            raise NotFound(f"this database holds several stores ({codes}); set RXMSG_STORE")
        return create_store(
            session,
            code=DEFAULT_STORE_CODE,
            name="New Pharmacy",
            phone="",
            timezone=local_timezone_name(),
            now=now,
            is_test=clock_overridden,
        )


def refuse_clock_override(db: Database) -> None:
    """`RXMSG_NOW` is for test stores; a database with a live store refuses it.

    A moved clock would let texts out at night, revive expired codes and
    backdate the audit log, so it is refused before anything runs.
    """
    with db.read() as session:
        live = session.exec(
            select(Store.code).where(col(Store.is_test).is_(False)).order_by(Store.code)
        ).first()
    if live is not None:
        raise PermissionDenied(
            f"RXMSG_NOW moves the clock and is refused for live store {live}; unset it"
        )


def create_store(
    session: Session,
    *,
    code: str,
    name: str,
    phone: str,
    timezone: str,
    now: datetime,
    address: str = "",
    city: str = "",
    state: str = "",
    zip_code: str = "",
    hours: str = "",
    is_test: bool = False,
) -> Store:
    """A store with its setup rows; nothing is sent until support configures alerts.

    `is_test` marks a demo or test store, the only kind that honours `RXMSG_NOW`.
    """
    store = Store(
        code=code.upper(),
        name=name,
        phone=phone,
        timezone=timezone,
        address=address,
        city=city,
        state=state,
        zip=zip_code,
        hours=hours,
        created_at=now,
        is_test=is_test,
    )
    session.add(store)
    session.flush()
    assert store.id is not None
    session.add(OutboundSetup(store_id=store.id))
    session.add(AlertSettings(store_id=store.id, days=list(WEEKDAYS[:6])))
    session.add_all(
        RestrictedWord(store_id=store.id, word=word, created_at=now)
        for word in DEFAULT_RESTRICTED_WORDS
    )
    session.flush()
    return store


def local_timezone_name() -> str:
    """The machine's IANA zone (TZ, then /etc/localtime), else America/New_York."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if "/" in tz:
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if name and name not in ("UTC", "Etc/UTC") and Path(target).is_file():
                return name
    except OSError:
        pass
    return "America/New_York"
