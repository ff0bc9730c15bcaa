"""Group send: selection, the dry run's reasons, the send, its key, the queue's group — both databases."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.formats.restricted import add_word
from rxmsg_tui.services.group_send import (
    GroupMessage,
    PatientFilter,
    Selection,
    check_message,
    count_candidates,
    delete_group_pending,
    dry_run,
    find_candidates,
    list_group_sends,
    previously_sent,
    save_template,
    send_group,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog, GroupSend, OutboundMessage, Store
from tests.conftest import NOW
from tests.group_send_world import add_patient, general_channels
from tests.tui.seed import insert_drug, insert_rx

BOTH = GroupMessage(
    email=True, sms=True, email_subject="Flu shots", email_body="Hi #PATIENTFIRSTNAME#, flu shots are here.",
    sms_subject="Flu", sms_body="Hi #PATIENTFIRSTNAME#, flu shots at #STORENAME#.",
)  # fmt: skip
EVERYONE = Selection(PatientFilter(), None)


@pytest.fixture
def world(db: Database, store: Store) -> Store:
    """One patient per exclusion reason, and one who is reached on both channels."""
    general_channels(db, store, ["email", "sms"], only_verified=True)
    add_patient(db, store, NOW, "OK", last="Adams")
    add_patient(db, store, NOW, "NOCONSENT", last="Baker", consent=None)
    add_patient(db, store, NOW, "STOP", last="Clark", stop=True)
    add_patient(db, store, NOW, "NOCELL", last="Davis", cell_phone=None)
    add_patient(db, store, NOW, "NOEMAIL", last="Evans", email="not-an-address")
    add_patient(db, store, NOW, "UNVERIFIED", last="Fox", cell_verified=False)
    add_patient(db, store, NOW, "PREFOFF", last="Green", prefs=("email",))
    return store


def reasons(run_exclusions: list) -> dict[tuple[str, str], str]:  # type: ignore[type-arg]
    return {(e.patient_id, e.channel): e.reason for e in run_exclusions}


def test_each_excluded_patient_and_channel_has_its_one_reason(
    db: Database, world: Store, admin: Actor
) -> None:
    run = dry_run(db, admin, EVERYONE, BOTH, now=NOW)
    assert reasons(run.exclusions) == {
        ("NOCONSENT", "email"): "No Consent",
        ("NOCONSENT", "sms"): "No Consent",
        ("STOP", "sms"): "Opted Out",
        ("NOCELL", "sms"): "No Cell",
        ("NOEMAIL", "email"): "No Email",
        ("UNVERIFIED", "sms"): "Not Verified",
        ("PREFOFF", "sms"): "Channel Off",
    }
    assert run.queued == {"email": 5, "sms": 2}
    assert run.excluded["sms"] == {
        "No Consent": 1, "Opted Out": 1, "No Cell": 1, "Not Verified": 1, "Channel Off": 1
    }  # fmt: skip
    first = run.previews[0]
    assert (first.patient_id, first.channel, first.subject) == ("OK", "email", "Flu shots")
    assert first.body == "Hi Ana, flu shots are here."


def test_a_channel_off_in_alert_settings_leaves_everyone_out_there(
    db: Database, world: Store, admin: Actor
) -> None:
    general_channels(db, world, ["email"])
    run = dry_run(db, admin, EVERYONE, BOTH, now=NOW)
    assert "sms" not in run.queued
    assert run.excluded["sms"] == {"Channel Off": 7}


def test_a_restricted_word_a_name_brings_in_keeps_that_message_out(
    db: Database, world: Store, admin: Actor
) -> None:
    add_patient(db, world, NOW, "CBD", last="Zed", first="Cbd")
    run = dry_run(db, admin, Selection(PatientFilter(patient_ids=("CBD",)), None), BOTH, now=NOW)
    assert {e.reason for e in run.exclusions} == {"Word Restricted"}
    assert run.queued == {}


def test_the_dry_run_is_what_the_send_queues(db: Database, world: Store, admin: Actor) -> None:
    run = dry_run(db, admin, EVERYONE, BOTH, now=NOW)
    seen: list[tuple[int, int]] = []
    sent = send_group(
        db,
        admin,
        EVERYONE,
        BOTH,
        request_key="k1",
        now=NOW,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert not sent.already_sent
    assert (sent.queued, sent.excluded) == (run.queued, run.excluded)
    assert seen[-1] == (7, 7)
    with db.read() as session:
        rows = session.exec(select(OutboundMessage)).all()
        audits = session.exec(select(AuditLog).where(AuditLog.action == "group_send.send")).all()
        group = session.exec(select(GroupSend)).one()
    assert len(rows) == 7
    assert {r.group_send_id for r in rows} == {sent.group_send_id}
    assert {r.status for r in rows} == {"Pending"}
    ok_sms = next(
        r for r in rows if r.method == "SMS" and r.recipient == "+12025550143" and "Ana" in r.body
    )
    assert ok_sms.body == "Hi Ana, flu shots at Main Street Pharmacy."
    assert len(audits) == 1
    assert group.selected == 7 and group.queued == {"email": 5, "sms": 2}


def test_the_same_key_queues_once(db: Database, world: Store, admin: Actor) -> None:
    first = send_group(db, admin, EVERYONE, BOTH, request_key="same", now=NOW)
    again = send_group(db, admin, EVERYONE, BOTH, request_key="same", now=NOW)
    assert again.already_sent and again.group_send_id == first.group_send_id
    assert again.queued == first.queued and again.excluded == first.excluded
    with db.read() as session:
        assert len(session.exec(select(OutboundMessage)).all()) == 7


def test_two_sends_racing_with_one_key_make_one_group(
    db: Database, world: Store, admin: Actor
) -> None:
    results = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        try:
            results.append(send_group(db, admin, EVERYONE, BOTH, request_key="race", now=NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.already_sent for r in results) == [False, True]
    with db.read() as session:
        assert len(session.exec(select(GroupSend)).all()) == 1
        assert len(session.exec(select(OutboundMessage)).all()) == 7


def test_unticked_patients_after_select_all_are_left_out(
    db: Database, world: Store, admin: Actor
) -> None:
    page = find_candidates(db, world.id or 0, PatientFilter())
    ok = next(c for c in page.rows if c.patient_id == "OK")
    run = dry_run(
        db, admin, Selection(PatientFilter(), None, frozenset({ok.patient_pk})), BOTH, now=NOW
    )
    assert run.queued == {"email": 4, "sms": 1}
    chosen = dry_run(
        db, admin, Selection(PatientFilter(), frozenset({ok.patient_pk})), BOTH, now=NOW
    )
    assert chosen.queued == {"email": 1, "sms": 1}


def test_step_one_rows_are_red_where_the_send_would_stop(
    db: Database, world: Store, admin: Actor
) -> None:
    page = find_candidates(db, world.id or 0, PatientFilter(), limit=3)
    assert [c.patient_id for c in page.rows] == ["OK", "NOCONSENT", "STOP"]
    assert page.next_after is not None
    rest = find_candidates(db, world.id or 0, PatientFilter(), after=page.next_after)
    rows = {c.patient_id: c for c in page.rows + rest.rows}
    assert rest.next_after is None
    assert rows["OK"].red == frozenset() and rows["OK"].cell == "(202) 555-0143"
    assert rows["NOCONSENT"].red == {"Settings"}
    assert rows["STOP"].red == frozenset() and not rows["STOP"].by_sms and rows["STOP"].by_email
    assert rows["NOCELL"].red == {"Cell"}
    assert rows["NOEMAIL"].red == {"Email"}
    assert rows["UNVERIFIED"].red == {"Cell"}
    counts = count_candidates(db, world.id or 0, PatientFilter(), selected=None)
    assert (counts.selected, counts.by_email, counts.by_sms) == (7, 5, 2)
    one = count_candidates(
        db, world.id or 0, PatientFilter(), selected=frozenset({rows["OK"].patient_pk})
    )
    assert (one.selected, one.by_email, one.by_sms) == (1, 1, 1)


def test_filters_narrow_the_list(db: Database, world: Store) -> None:
    sid = world.id or 0
    names = lambda flt: [c.patient_id for c in find_candidates(db, sid, flt).rows]  # noqa: E731
    assert names(PatientFilter(search="dav")) == ["NOCELL"]
    assert names(PatientFilter(has_cell=False)) == ["NOCELL"]
    assert names(PatientFilter(has_email=False)) == ["NOEMAIL"]
    assert names(PatientFilter(consent="none")) == ["NOCONSENT"]
    assert names(PatientFilter(patient_ids=("OK", "STOP"))) == ["OK", "STOP"]
    with pytest.raises(InvalidInput, match="month is 1 to 12"):
        find_candidates(db, sid, PatientFilter(birth_month=13))


def test_the_message_is_checked_at_its_fields(db: Database, world: Store, admin: Actor) -> None:
    sid = world.id or 0
    assert check_message(db, sid, BOTH) == {}
    assert check_message(db, sid, GroupMessage(email=False, sms=False)) == {
        "methods": "choose Email, SMS or both"
    }
    found = check_message(
        db, sid, GroupMessage(email=True, sms=True, email_body="CBD oil", sms_body="#NOPE#")
    )
    assert found["email_subject"] == "an email needs a subject"
    assert "restricted word" in found["email_body"]
    assert "nope" in found["sms_body"].lower()
    with pytest.raises(InvalidInput, match="restricted"):
        send_group(
            db,
            admin,
            EVERYONE,
            GroupMessage(email=False, sms=True, sms_body="c.b.d"),
            request_key="x",
            now=NOW,
        )
    add_word(db, admin, "flu", now=NOW)
    assert "sms_body" in check_message(db, sid, BOTH)


def test_templates_and_recent_group_messages_are_offered(
    db: Database, world: Store, admin: Actor
) -> None:
    send_group(db, admin, EVERYONE, BOTH, request_key="k", now=NOW)
    save_template(db, admin, "sms", "Closed Monday", "We are closed Monday.", now=NOW)
    with pytest.raises(InvalidInput, match="needs a subject"):
        save_template(db, admin, "sms", " ", "No name", now=NOW)
    sms = previously_sent(db, world.id or 0, "sms")
    assert [(m.saved, m.body) for m in sms] == [
        (True, "We are closed Monday."), (False, BOTH.sms_body)
    ]  # fmt: skip
    assert [m.subject for m in previously_sent(db, world.id or 0, "email")] == ["Flu shots"]


def test_a_groups_pending_messages_are_deleted_in_one_action(
    db: Database, world: Store, admin: Actor
) -> None:
    sent = send_group(db, admin, EVERYONE, BOTH, request_key="k", now=NOW)
    other = send_group(db, admin, EVERYONE, BOTH, request_key="k2", now=NOW)
    with db.transaction() as session:
        one = session.exec(
            select(OutboundMessage).where(OutboundMessage.group_send_id == sent.group_send_id)
        ).first()
        assert one is not None
        one.status = "Sent"
        session.add(one)
    assert delete_group_pending(db, admin, sent.group_send_id, now=NOW) == 6
    with db.read() as session:
        rows = session.exec(select(OutboundMessage)).all()
    statuses = sorted((r.group_send_id == sent.group_send_id, r.status) for r in rows)
    assert statuses.count((True, "Deleted")) == 6 and (True, "Sent") in statuses
    assert all(s == "Pending" for g, s in statuses if not g)
    labels = [g.label for g in list_group_sends(db, world.id or 0)]
    assert labels[0].startswith(f"#{other.group_send_id} 03/02 10:30 Email+SMS 7 queued")


@pytest.mark.parametrize("probe", [2000, 0], ids=["rare-by-index", "walking-names"])
def test_birthday_age_zip_language_fill_and_drug_filters(
    db: Database, store: Store, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A probe of 0 takes every filter the road of dense matches: both roads, the same rows.
    monkeypatch.setattr("rxmsg_tui.services.patients.PROBE", probe)
    sid = store.id or 0
    young = add_patient(
        db, store, NOW, "Y", last="Young", dob=date(2000, 3, 9), zip="60625", language="es"
    )
    add_patient(db, store, NOW, "O", last="Old", dob=date(1950, 7, 1), zip="10001")
    lisinopril = insert_drug(db, sid, "00093-7339-01", "Lisinopril 10 mg tablet")
    insert_rx(db, sid, young, lisinopril, "600123", last_fill=date(2026, 2, 1))
    names = lambda flt: [c.patient_id for c in find_candidates(db, sid, flt).rows]  # noqa: E731
    assert names(PatientFilter(birth_month=3)) == ["Y"]
    assert names(PatientFilter(age_min=70)) == ["O"]
    assert names(PatientFilter(age_min=20, age_max=40)) == ["Y"]
    assert names(PatientFilter(zip_prefix="606")) == ["Y"]
    assert names(PatientFilter(zip_prefix="60625")) == ["Y"]
    assert names(PatientFilter(zip_prefix="6063")) == []
    assert names(PatientFilter(zip_prefix="1")) == ["O"]
    assert names(PatientFilter(zip_prefix="99")) == []
    assert names(PatientFilter(language="es")) == ["Y"]
    assert names(
        PatientFilter(last_fill_from=date(2026, 1, 15), last_fill_to=date(2026, 2, 15))
    ) == ["Y"]
    assert names(PatientFilter(last_fill_from=date(2026, 2, 2))) == []
    assert names(PatientFilter(last_fill_to=date(2026, 2, 1))) == ["Y"]
    assert names(PatientFilter(last_fill_to=date(2026, 1, 31))) == []
    assert names(PatientFilter(last_fill_from=date(2026, 2, 1), drug_name="lis")) == ["Y"]
    assert names(PatientFilter(last_fill_from=date(2026, 2, 1), drug_name="metf")) == []
    assert names(PatientFilter(search="y", zip_prefix="606", last_fill_to=date(2026, 3, 1))) == [
        "Y"
    ]
    assert names(PatientFilter(drug_name="LISIN")) == ["Y"]
    assert names(PatientFilter(drug_name="metf")) == []
    with pytest.raises(InvalidInput, match="age from 40 is above age to 30"):
        find_candidates(db, sid, PatientFilter(age_min=40, age_max=30))


def test_ages_count_in_the_stores_date_not_the_hosts(db: Database, store: Store) -> None:
    """At 05:00 UTC on 3 March it is still 2 March in Honolulu: no birthday there yet."""
    with db.transaction() as session:
        honolulu = session.get(Store, store.id)
        assert honolulu is not None
        honolulu.timezone = "Pacific/Honolulu"
        session.add(honolulu)
    add_patient(db, store, NOW, "B", last="Birthday", dob=date(2000, 3, 3))
    sid = store.id or 0
    utc_next_day = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    assert utc_next_day.date() == date(2026, 3, 3)

    def names(flt: PatientFilter, now: datetime) -> list[str]:
        return [c.patient_id for c in find_candidates(db, sid, flt, now=now).rows]

    assert names(PatientFilter(age_min=26), utc_next_day) == []
    assert names(PatientFilter(age_max=25), utc_next_day) == ["B"]
    counted = count_candidates(db, sid, PatientFilter(age_max=25), selected=None, now=utc_next_day)
    assert counted.selected == 1
    a_day_later = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # 02:00 on 3 March in Honolulu
    assert names(PatientFilter(age_min=26), a_day_later) == ["B"]


def test_the_send_counts_ages_in_the_stores_date_too(
    db: Database, store: Store, admin: Actor
) -> None:
    """The dry run, the send and the group's selected count agree with step 1 on the day."""
    general_channels(db, store, ["email", "sms"], only_verified=False)
    with db.transaction() as session:
        honolulu = session.get(Store, store.id)
        assert honolulu is not None
        honolulu.timezone = "Pacific/Honolulu"
        session.add(honolulu)
    add_patient(db, store, NOW, "B", last="Birthday", dob=date(2000, 3, 3))
    add_patient(db, store, NOW, "OLD", last="Older", dob=date(1990, 1, 1))
    utc_next_day = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # still 2 March in Honolulu
    under_26 = Selection(PatientFilter(age_max=25), None)
    run = dry_run(db, admin, under_26, BOTH, now=utc_next_day)
    sent = send_group(db, admin, under_26, BOTH, request_key="age", now=utc_next_day)
    with db.read() as session:
        group = session.exec(select(GroupSend)).one()
        queued_to = {m.entity_name for m in session.exec(select(OutboundMessage)).all()}
    assert (sent.queued, sent.excluded) == (run.queued, run.excluded)
    assert group.selected == 1
    assert queued_to == {"Ana Birthday"}
