"""The demo store, its messaging setup and alert settings, review sites and admin user.

Building the demo (the first run, or `--reset`) sets these to the values
below; later runs leave them as staff changed them. Each change to a
settings row is audit-logged with its values before and after, like any
other settings change.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from rxmsg_tui.domain.restricted_words import DEFAULT_RESTRICTED_WORDS
from rxmsg_tui.domain.settings_keys import WEEKDAYS
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.models import (
    AlertSettings,
    AppUser,
    OutboundSetup,
    Patient,
    RestrictedWord,
    ReviewSite,
    Store,
)
from rxmsg_tui.storage.queries import alert_settings_or_none

DEMO_STORE_CODE = "DEMO"

STORE: dict[str, str] = {
    "name": "Lakeview Family Pharmacy",
    "phone": "(312) 555-0100",
    "timezone": "America/Chicago",
    "address": "2841 N Lincoln Ave",
    "city": "Chicago",
    "state": "IL",
    "zip": "60657",
    "hours": "Mon-Fri 9am-9pm, Sat 9am-6pm, Sun 10am-4pm",
}

SETUP: dict[str, Any] = {
    # Without credentials these transports write to the offline outbox.
    "email_using": "email_service_api",
    "sms_using": "sms_service_api",
    "call_using": "none",
    "ivr_host": "",
    "ivr_port": 5060,
}

PATIENT_DEFAULTS: dict[str, list[str]] = {
    "refill": ["email", "sms"],
    "pickup": ["sms"],
    "pickup_confirmation": ["sms"],
    "birthday": ["email"],
    "welcome": ["email", "sms"],
    "general": ["email", "sms"],
    "review": ["email"],
}
"""The patient defaults (`defaults.<alert>.channels`), written to each new demo patient."""

ALERTS: dict[str, Any] = {
    "refill_channels": ["email", "sms"],
    "refill_when_due": True,
    "refill_when_past_due": True,
    "refill_before_days": 3,
    "refill_after_days": 7,
    "refill_non_maintenance": False,
    "control_drugs": False,
    "c2_drugs": False,
    "pickup_channels": ["email", "sms"],
    "pickup_trigger": "label_printed",
    "pickup_followup_days": [3, 7],
    "pickup_confirmation_channels": ["sms"],
    "birthday_channels": ["email", "sms"],
    "welcome_channels": ["email", "sms"],
    "general_channels": ["email", "sms"],
    "review_channels": ["email", "sms"],
    "review_resend_after_days": 14,
    "only_verified": False,
    "email_sms_window": "09:00-19:00",
    "call_window": "10:00-18:00",
    "days": list(WEEKDAYS[:6]),
    "daily_start": "08:00",
    "defaults_apply_on": "new_patient",
    "defaults": PATIENT_DEFAULTS,
}

REVIEW_SITES: tuple[tuple[str, str, bool], ...] = (
    ("Google Business Profile", "https://maps.example.com/lakeview-family-pharmacy/review", True),
    ("Yelp", "https://www.example.com/biz/lakeview-family-pharmacy-chicago", False),
    ("Pharmacy website", "https://lakeviewfamilyrx.example.org/reviews", False),
)


def find_store(session: Session) -> Store | None:
    """The DEMO store, if the demo was built in this database before."""
    return session.exec(select(Store).where(Store.code == DEMO_STORE_CODE)).first()


def create_demo_store(session: Session, *, now: datetime) -> Store:
    """The DEMO store with its setup rows: a test store, so `RXMSG_NOW` may move its clock."""
    store = create_store(
        session,
        code=DEMO_STORE_CODE,
        name=STORE["name"],
        phone=STORE["phone"],
        timezone=STORE["timezone"],
        now=now,
        address=STORE["address"],
        city=STORE["city"],
        state=STORE["state"],
        zip_code=STORE["zip"],
        hours=STORE["hours"],
        is_test=True,
    )
    return store


def restore_restricted_words(session: Session, store_id: int, *, now: datetime) -> None:
    """After a reset: the default restricted words a new store starts with."""
    session.add_all(
        RestrictedWord(store_id=store_id, word=word, created_at=now)
        for word in DEFAULT_RESTRICTED_WORDS
    )
    session.flush()


def go_live(session: Session, store: Store, day: date) -> None:
    """The demo starts messaging on `day`; its patients are written as not new."""
    store.go_live = day
    store.is_test = True
    session.add(store)
    session.flush()


def bring_up_to_date(session: Session, store: Store, day: date) -> bool:
    """A demo built before stores had a go-live day: live from `day`, its patients not new.

    Without this an older demo, kept as it was, would welcome every one of its
    patients on the next daily run. Returns whether there was anything to do.
    """
    if store.go_live is not None:
        return False
    go_live(session, store, day)
    session.execute(update(Patient).where(col(Patient.store_id) == store.id).values(is_new=False))
    return True


def ensure_admin(session: Session, store_id: int, username: str, *, now: datetime) -> bool:
    """Let the person who runs the demo sign in to it; an existing account is left as is."""
    found = session.exec(
        select(AppUser).where(AppUser.store_id == store_id, AppUser.username == username)
    ).first()
    if found is not None:
        return False
    session.add(
        AppUser(
            store_id=store_id,
            username=username,
            role=Role.ADMIN,
            created_at=now,
            created_by="rxmsg demo",
        )
    )
    actor = Actor(store_id, DEMO_STORE_CODE, username, Role.ADMIN)
    audit.record(session, actor, "user.add", at=now, target=username, after=Role.ADMIN.value)
    return True


def apply_settings(session: Session, store: Store, actor: Actor, *, now: datetime) -> None:
    """Reset store details, setup, alert settings and review sites to the demo's values."""
    assert store.id is not None
    setup = session.exec(select(OutboundSetup).where(OutboundSetup.store_id == store.id)).first()
    alerts = alert_settings_or_none(session, store.id)
    for row, values, target in (
        (store, STORE, "store"),
        (setup or OutboundSetup(store_id=store.id), SETUP, "setup"),
        (alerts or AlertSettings(store_id=store.id), ALERTS, "alerts"),
    ):
        _reset(session, row, values, actor, target=target, now=now)
    _reset_review_sites(session, store.id)
    session.flush()


def _reset(
    session: Session,
    row: SQLModel,
    values: dict[str, Any],
    actor: Actor,
    *,
    target: str,
    now: datetime,
) -> None:
    """Overwrite `row` with `values`; what a hand-made change looked like stays on record."""
    before = {key: getattr(row, key) for key in values if getattr(row, key) != values[key]}
    if not before:
        return
    for key, value in values.items():
        setattr(row, key, copy.deepcopy(value))
    session.add(row)
    after = {key: values[key] for key in before}
    audit.record(session, actor, "demo.settings", at=now, target=target, before=before, after=after)


def _reset_review_sites(session: Session, store_id: int) -> None:
    """The demo's sites by name; exactly one default, whatever was set before."""
    sites = {
        site.name: site
        for site in session.exec(select(ReviewSite).where(ReviewSite.store_id == store_id))
    }
    for name, url, _default in REVIEW_SITES:
        sites.setdefault(name, ReviewSite(store_id=store_id, name=name, url=url)).url = url
    default_name = next(name for name, _url, default in REVIEW_SITES if default)
    for site in sites.values():
        site.is_default = site.name == default_name
        session.add(site)
