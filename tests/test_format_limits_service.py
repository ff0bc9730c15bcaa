"""Formats that cannot break a run, through the services: save, quick responses, events, daily."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import insert, update
from sqlmodel import col, select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.default_formats import DefaultFormat
from rxmsg_tui.domain.sms_length import measure
from rxmsg_tui.domain.template_variables import BY_NAME
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method, RxEventKind
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.daily.texts import fits_at_longest
from rxmsg_tui.services.errors import FieldError
from rxmsg_tui.services.formats.message_formats import FormatDraft, list_formats, save_format
from rxmsg_tui.services.formats.quick_responses import list_responses, save_response
from rxmsg_tui.services.formats.review_sites import list_sites, save_site
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageFormat, Store
from tests.conftest import NOW
from tests.daily_world import World
from tests.test_rx_events import _messages, _record, pharmacy
from tests.test_template_limits import FROM_A_NAME, ONE_MORE_LEVEL

__all__ = ["pharmacy"]  # the fixture, shared with the Rx event tests


def _draft(body: str, method: Method = Method.SMS, subject: str = "Refill") -> FormatDraft:
    return FormatDraft(method, AlertType.REFILL_REMINDER, Language.ENGLISH, subject, body)


@pytest.mark.parametrize(
    ("draft", "field", "words"),
    [
        (_draft("Hi {{ patient_first_name|title(1) }}"), "body", "'title' filter"),
        (_draft(FROM_A_NAME), "body", "grow past 200,000"),
        (_draft(ONE_MORE_LEVEL, Method.EMAIL), "body", "grow past 200,000"),
        (_draft("#PATIENTNAME# " * 5 + "is due"), "body", "at its longest, the SMS is"),
        (_draft("Hi", Method.EMAIL, "Refill\r\nBcc: all@example.org"), "subject", "carriage"),
        (_draft("Hi \x1b[2J#PATIENTFIRSTNAME#"), "body", "ESC"),
    ],
)
def test_a_format_that_would_break_a_run_is_refused_at_save(
    db: Database, admin: Actor, clock: Clock, draft: FormatDraft, field: str, words: str
) -> None:
    with pytest.raises(FieldError, match=words) as caught:
        save_format(db, admin, draft, format_id=None, now=clock.now())
    assert caught.value.field == field
    assert list_formats(db, admin.store_id) == []


def test_quick_responses_are_checked_as_texts(db: Database, admin: Actor, clock: Clock) -> None:
    for description, body, words in (
        ("Hours", ONE_MORE_LEVEL, "grow past"),
        ("Hours", "Open \x07 9-7", "BEL"),
        ("Hours\x1b[2J", "Open 9-7", "ESC"),
        ("Hours", "x" * 1600, "at most 10 segments"),
    ):
        with pytest.raises(FieldError, match=words):
            save_response(db, admin, description=description, body=body, now=clock.now())
    assert list_responses(db, admin.store_id) == []


def test_a_format_stored_past_the_checks_fails_alone_quickly_at_the_event(
    db: Database, admin: Actor, pharmacy: dict[str, int]
) -> None:
    """An amplifying SMS format put in the database directly: the SMS is refused in well
    under a second, with the reason, and the email of the same event still goes."""
    with db.engine.begin() as conn:
        conn.execute(insert(MessageFormat).values(
            store_id=pharmacy["store"], method=Method.SMS.value, language="en",
            alert_type=AlertType.READY_FOR_PICKUP.value, subject="Ready", body=ONE_MORE_LEVEL,
            updated_at=NOW,
        ))  # fmt: skip
    started = time.perf_counter()
    result = _record(db, admin, RxEventKind.LABEL_PRINTED)
    assert time.perf_counter() - started < 1.0
    assert [(q.channel.value, q.status.value) for q in result.queued] == [("email", "Pending")]
    assert any("SMS not queued" in n and "grow past 200,000" in n for n in result.notes)
    assert [m.method for m in _messages(db)] == [Method.EMAIL.value]


EDGE_SMS = "#STORENAME#: Hi #PATIENTNAME#, " + "your prescription is due for a refill. " * 9
"""An SMS that just fits 10 segments when every variable is at its longest."""


def test_texts_the_database_builds_stay_within_the_caps(
    db: Database, store: Store, admin: Actor
) -> None:
    """The daily process fills plain formats in SQL, which cannot count segments: it does so
    only for formats that fit with the longest values, so the longest names still fit."""
    assert fits_at_longest(Method.SMS, DefaultFormat("Refill", EDGE_SMS), html=False)
    too_long = DefaultFormat("Refill", EDGE_SMS + "Questions? Please call the pharmacy.")
    assert not fits_at_longest(Method.SMS, too_long, html=False)
    save_format(db, admin, _draft(EDGE_SMS), format_id=None, now=NOW)
    with pytest.raises(FieldError, match="at its longest"):
        save_format(db, admin, _draft(too_long.body), format_id=None, now=NOW)

    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=["sms"])
    longest = {name: BY_NAME[name].long_sample for name in ("store_name", "patient_first_name")}
    with db.engine.begin() as conn:
        conn.execute(
            update(Store).where(col(Store.id) == store.id).values(name=longest["store_name"])
        )
    first = longest["patient_first_name"]
    pk = world.patient(first_name=first, last_name=first)
    world.rx(pk, world.drug(), "7001", refills=2)
    run_daily(db, admin, now=NOW, day=date(2026, 3, 31))
    (text,) = world.messages()
    assert first in text.body and longest["store_name"] in text.body
    assert measure(text.body).encoding == "UCS-2"
    assert 9 <= measure(text.body).segments <= 10
    with db.read() as session:
        assert session.exec(select(MessageFormat.body)).all() == [EDGE_SMS]


def test_review_sites_refuse_control_characters(db: Database, admin: Actor) -> None:
    for name, url, field in (
        ("Google\x1b[2J", "https://g.page/r/x/review", "name"),
        ("Google", "https://g.page/r/x/review\r\nBcc: all@example.org", "url"),
        ("Google", "https://g.page/" + "r" * 500, "url"),
    ):
        with pytest.raises(FieldError) as caught:
            save_site(db, admin, name=name, url=url, make_default=True, now=NOW)
        assert caught.value.field == field
    assert list_sites(db, admin.store_id) == []


def test_a_format_stored_past_the_checks_fails_alone_quickly_in_the_daily_run(
    db: Database, store: Store, admin: Actor
) -> None:
    """The daily process renders such a format row by row: it stops at the budget in well
    under a second, says why, and the email reminder of the same rule still goes."""
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=["sms", "email"])
    with db.engine.begin() as conn:
        conn.execute(insert(MessageFormat).values(
            store_id=store.id, method=Method.SMS.value, language="en", group_message=False,
            alert_type=AlertType.REFILL_REMINDER.value, subject="Refill", body=ONE_MORE_LEVEL,
            updated_at=NOW,
        ))  # fmt: skip
    world.rx(world.patient(first_name="Maria"), world.drug(), "7001", refills=2)
    started = time.perf_counter()
    result = run_daily(db, admin, now=NOW, day=date(2026, 3, 31))
    assert time.perf_counter() - started < 1.0
    assert "grow past 200,000 characters" in result.failed["refill/sms"]
    assert [m.method for m in world.messages()] == [Method.EMAIL.value]
