"""Formats, review sites, quick responses and restricted words, on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method, Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound, PermissionDenied
from rxmsg_tui.services.formats.message_formats import (
    FormatDraft,
    delete_format,
    format_for,
    list_formats,
    list_formats_in_use,
    load_default,
    over_limit,
    save_format,
)
from rxmsg_tui.services.formats.quick_responses import (
    delete_response,
    list_responses,
    save_response,
)
from rxmsg_tui.services.formats.restricted import add_word, list_words, remove_word
from rxmsg_tui.services.formats.review_sites import delete_site, list_sites, save_site
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog

PICKUP_SMS = FormatDraft(
    Method.SMS,
    AlertType.READY_FOR_PICKUP,
    Language.ENGLISH,
    "Pickup",
    "Hi #PATIENTFIRSTNAME#, ready at #STORENAME#",
)


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]


def test_save_edit_filter_delete_a_format(db: Database, admin: Actor, clock: Clock) -> None:
    saved = save_format(db, admin, PICKUP_SMS, format_id=None, now=clock.now())
    email = FormatDraft(
        Method.EMAIL, AlertType.BIRTHDAY, Language.SPANISH, "Feliz", "Hola #PATIENTNAME#"
    )
    save_format(db, admin, email, format_id=None, now=clock.now())
    assert [f.subject for f in list_formats(db, admin.store_id)] == ["Feliz", "Pickup"]
    assert [f.subject for f in list_formats(db, admin.store_id, method=Method.SMS)] == ["Pickup"]
    assert [f.subject for f in list_formats(db, admin.store_id, alert_type=AlertType.BIRTHDAY)] == [
        "Feliz"
    ]
    assert [f.subject for f in list_formats(db, admin.store_id, subject="pick")] == ["Pickup"]

    changed = FormatDraft(**{**PICKUP_SMS.__dict__, "body": "Ready: #STORENAME# #STOREPHONE#"})
    save_format(db, admin, changed, format_id=saved.id, now=clock.now())
    assert (
        list_formats(db, admin.store_id, method=Method.SMS)[0].body
        == "Ready: #STORENAME# #STOREPHONE#"
    )
    delete_format(db, admin, saved.id, now=clock.now())
    assert [f.subject for f in list_formats(db, admin.store_id)] == ["Feliz"]
    assert _actions(db) == ["format.save", "format.save", "format.save", "format.delete"]
    with pytest.raises(NotFound):
        delete_format(db, admin, saved.id, now=clock.now())


@pytest.mark.parametrize(
    ("subject", "body", "field", "words"),
    [
        ("", "Hi", "subject", "enter a subject"),
        ("Pickup", "  ", "body", "empty"),
        ("Pickup", "Hi #NOPE#", "body", "line 1, column 4: unknown variable #NOPE#"),
        ("Pickup", "Code #VERIFICATIONCODE#", "body", "does not apply"),
        ("Pickup", "Hi {{ patient_name", "body", "line 1"),
        ("Pickup", "Hi\nGet C.B.D here", "body", "line 2, column 5: restricted word 'cbd'"),
        ("Hemp news", "Hi", "subject", "restricted word 'hemp'"),
        ("Pickup", "{{ ''.__class__ }}", "body", "not allowed"),
    ],
)
def test_a_refused_save_names_the_field_and_writes_nothing(
    db: Database, admin: Actor, clock: Clock, subject: str, body: str, field: str, words: str
) -> None:
    draft = FormatDraft(Method.SMS, AlertType.READY_FOR_PICKUP, Language.ENGLISH, subject, body)
    with pytest.raises(FieldError, match=words) as caught:
        save_format(db, admin, draft, format_id=None, now=clock.now())
    assert caught.value.field == field
    assert list_formats(db, admin.store_id) == []
    assert _actions(db) == []


def test_technicians_cannot_change_formats(db: Database, admin: Actor, clock: Clock) -> None:
    tech = Actor(admin.store_id, admin.store_code, "tom", Role.TECHNICIAN)
    with pytest.raises(PermissionDenied):
        save_format(db, tech, PICKUP_SMS, format_id=None, now=clock.now())


def test_patient_language_picks_the_format_with_english_and_default_fallbacks(
    db: Database, admin: Actor, clock: Clock
) -> None:
    with db.read() as session:
        assert (
            "cumpleaños"
            in format_for(session, admin.store_id, Method.SMS, AlertType.BIRTHDAY, "es").body
        )
    save_format(db, admin, PICKUP_SMS, format_id=None, now=clock.now())
    with db.read() as session:
        assert (
            format_for(session, admin.store_id, Method.SMS, AlertType.READY_FOR_PICKUP, "es").body
            == PICKUP_SMS.body
        )
    assert "#STORENAME#" in load_default(PICKUP_SMS).body


def test_review_sites_keep_exactly_one_default(db: Database, admin: Actor, clock: Clock) -> None:
    google = save_site(
        db,
        admin,
        name="Google",
        url="https://g.page/r/x/review",
        make_default=False,
        now=clock.now(),
    )
    assert google.is_default
    yelp = save_site(
        db, admin, name="Yelp", url="https://www.yelp.com/biz/x", make_default=True, now=clock.now()
    )
    assert [(s.name, s.is_default) for s in list_sites(db, admin.store_id)] == [
        ("Google", False),
        ("Yelp", True),
    ]
    delete_site(db, admin, yelp.id, now=clock.now())
    assert [(s.name, s.is_default) for s in list_sites(db, admin.store_id)] == [("Google", True)]
    with pytest.raises(FieldError, match="http"):
        save_site(db, admin, name="Bad", url="ftp://x", make_default=False, now=clock.now())
    with pytest.raises(FieldError, match="already exists"):
        save_site(
            db, admin, name="google", url="https://x.org", make_default=False, now=clock.now()
        )


def test_quick_responses(db: Database, admin: Actor, clock: Clock) -> None:
    saved = save_response(
        db, admin, description="Ready", body="Hi #PATIENTFIRSTNAME#, it is ready.", now=clock.now()
    )
    save_response(
        db,
        admin,
        description="Ready",
        body="Ready now, #PATIENTNAME#",
        response_id=saved.id,
        now=clock.now(),
    )
    assert [(r.description, r.body) for r in list_responses(db, admin.store_id)] == [
        ("Ready", "Ready now, #PATIENTNAME#")
    ]
    with pytest.raises(FieldError, match="restricted word 'thc'"):
        save_response(db, admin, description="X", body="THC info", now=clock.now())
    with pytest.raises(FieldError, match="unknown variable"):
        save_response(db, admin, description="X", body="#WHO#", now=clock.now())
    delete_response(db, admin, saved.id, now=clock.now())
    assert list_responses(db, admin.store_id) == []


def test_restricted_words_are_admin_edited(db: Database, admin: Actor, clock: Clock) -> None:
    assert "cbd" in list_words(db, admin.store_id)
    assert add_word(db, admin, " Kra-tom ", now=clock.now()) == "kratom"
    draft = FormatDraft(Method.SMS, AlertType.GENERAL, Language.ENGLISH, "News", "Try kratom")
    with pytest.raises(FieldError, match="kratom"):
        save_format(db, admin, draft, format_id=None, now=clock.now())
    remove_word(db, admin, "kratom", now=clock.now())
    save_format(db, admin, draft, format_id=None, now=clock.now())
    pharmacist = Actor(admin.store_id, admin.store_code, "pat", Role.PHARMACIST)
    with pytest.raises(PermissionDenied):
        add_word(db, pharmacist, "x", now=clock.now())


def test_formats_in_use_list_each_default_the_store_has_not_replaced(
    db: Database, admin: Actor, clock: Clock
) -> None:
    every = list_formats_in_use(db, admin.store_id)
    assert len(every) == 8 * 3 * 2 and all(f.is_default for f in every)
    save_format(db, admin, PICKUP_SMS, format_id=None, now=clock.now())
    sms_pickup = list_formats_in_use(
        db, admin.store_id, method=Method.SMS, alert_type=AlertType.READY_FOR_PICKUP
    )
    # The store's English text goes to Spanish patients too (format_for): no default in use.
    assert [(f.subject, f.language, f.is_default) for f in sms_pickup] == [
        ("Pickup", Language.ENGLISH, False)
    ]
    with db.read() as session:
        used = format_for(session, admin.store_id, Method.SMS, AlertType.READY_FOR_PICKUP, "es")
    assert used.subject == "Pickup"
    birthday = list_formats_in_use(db, admin.store_id, alert_type=AlertType.BIRTHDAY)
    for row in birthday:
        with db.read() as session:
            sent = format_for(
                session, admin.store_id, row.method, row.alert_type, row.language.value
            )
        assert (sent.subject, sent.body) == (row.subject, row.body)  # listed as it goes out
    wanted = birthday[0].subject[:5].upper()
    found = list_formats_in_use(db, admin.store_id, subject=wanted)
    assert found and all(wanted.casefold() in f.subject.casefold() for f in found)


def test_a_subject_or_message_over_its_cap_is_named_whole_never_cut() -> None:
    assert over_limit("subject", "x" * 200) is None
    assert over_limit("subject", "x" * 500) == (
        "the subject is 500 characters; at most 200: shorten it to save"
    )
    assert over_limit("body", "x" * 100_000) is None
    assert over_limit("body", "x" * 100_001) == (
        "the message is 100,001 characters; at most 100,000: shorten it to save"
    )


def test_a_long_subject_is_refused_at_save_with_its_length(
    db: Database, admin: Actor, clock: Clock
) -> None:
    long = FormatDraft(**{**PICKUP_SMS.__dict__, "subject": "s" * 500})
    with pytest.raises(FieldError, match="the subject is 500 characters; at most 200"):
        save_format(db, admin, long, format_id=None, now=clock.now())
    assert list_formats(db, admin.store_id) == []
