"""Two-way chat below the screen: threads, unread counts, households, marks and replies.

Runs on SQLite and PostgreSQL. Inbound lines are inserted as the inbound
poller stores them (one `conversation_message` row each; a STOP also
withdraws SMS consent in the ledger with source `sms-keyword`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.domain.vocabulary import AlertType, Priority, QueueStatus
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.chat import (
    chat_mark,
    find_thread,
    list_conversations,
    mark_read,
    quick_response_text,
    read_thread,
    send_chat,
)
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AuditLog,
    ConversationMessage,
    OutboundMessage,
    QuickResponse,
    Store,
)
from tests.conftest import NOW
from tests.tui.seed import insert_consent, insert_patients, patient

ANA_CELL = "+12025550143"
LOPEZ_HOUSEHOLD = "+12015550123"
STRANGER = "+13125550199"


def add_inbound(
    db: Database,
    store_id: int,
    phone: str,
    body: str,
    *,
    at: datetime,
    patient_pk: int | None = None,
    needs_staff: bool = False,
    keyword: str = "",
) -> int:
    """An inbound text as the poller stores it."""
    values = {
        "store_id": store_id, "patient_id": patient_pk, "direction": "in", "phone": phone,
        "body": body, "provider_message_id": f"SM{uuid.uuid4().hex}", "at": at,
        "provider": "outbox", "keyword": keyword, "needs_staff": needs_staff,
    }  # fmt: skip
    with db.engine.begin() as conn:
        row = insert(ConversationMessage).values(values).returning(ConversationMessage.id)
        return int(conn.execute(row).scalar_one())


def texted_stop(db: Database, store_id: int, patient_pk: int, phone: str, *, at: datetime) -> None:
    """A STOP read by the poller: the line, and SMS consent withdrawn by keyword."""
    add_inbound(db, store_id, phone, "STOP", at=at, patient_pk=patient_pk, keyword="stop")
    for purpose in ("transactional", "marketing"):
        insert_consent(
            db, store_id, patient_pk, "sms", purpose, granted=False, at=at, source="sms-keyword"
        )


def chat_pharmacy(db: Database, store: Store) -> dict[str, int]:
    """Ana (her own cell, SMS consent), the Lopez household (two on one number), Ben (no cell)."""
    assert store.id is not None
    ids = insert_patients(
        db,
        store.id,
        [
            patient("2001", "Ana", "Ruiz", cell_phone=ANA_CELL, cell_verified=True),
            patient("2002", "Carlos", "Lopez", cell_phone=LOPEZ_HOUSEHOLD),
            patient("2003", "Elena", "Lopez", cell_phone=LOPEZ_HOUSEHOLD, language="es"),
            patient("2004", "Ben", "Stone"),
            patient("2005", "Dora", "Kim", cell_phone="+13125550111"),
        ],
    )
    for pid in ("2001", "2002", "2003", "2004"):
        insert_consent(db, store.id, ids[pid], "sms", "transactional", granted=True, at=NOW)
    return ids


def add_quick_response(db: Database, store_id: int, description: str, body: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(QuickResponse).values(
                store_id=store_id, description=description, body=body, updated_at=NOW
            )
        )


def counts(db: Database) -> tuple[int, int, int]:
    """Queue rows, chat lines and audit rows: what a refused send must leave as it was."""
    with db.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (OutboundMessage, ConversationMessage, AuditLog)
        )


@pytest.fixture
def ctx(
    db: Database,
    store: Store,
    admin: Actor,
    clock: Clock,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AppContext:
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    return AppContext(settings=settings, clock=clock, db=db, store=store, actor=admin)


@pytest.fixture
def ids(db: Database, store: Store) -> dict[str, int]:
    return chat_pharmacy(db, store)


def test_conversations_are_newest_first_with_unread_households_and_strangers(
    ctx: AppContext, ids: dict[str, int]
) -> None:
    store_id = ctx.actor.store_id
    add_inbound(db := ctx.db, store_id, ANA_CELL, "Is my refill ready?", at=NOW - timedelta(hours=3), patient_pk=ids["2001"])  # fmt: skip
    add_inbound(db, store_id, LOPEZ_HOUSEHOLD, "Hola", at=NOW - timedelta(hours=2))
    add_inbound(db, store_id, LOPEZ_HOUSEHOLD, "¿Está lista?", at=NOW - timedelta(hours=1))
    add_inbound(db, store_id, STRANGER, "who is this", at=NOW - timedelta(minutes=5))

    shown = [(c.name, c.phone, c.unread) for c in list_conversations(db, store_id)]
    assert shown == [
        ("Unknown sender", STRANGER, 1),
        ("Carlos Lopez +1", LOPEZ_HOUSEHOLD, 2),
        ("Ana Ruiz", ANA_CELL, 1),
    ]
    lopez = list_conversations(db, store_id)[1]
    assert [p.patient_id for p in lopez.patients] == ["2002", "2003"]
    assert lopez.last_body == "¿Está lista?" and lopez.last_direction == "in"

    assert mark_read(db, store_id, LOPEZ_HOUSEHOLD, now=NOW) == 2
    unread = list_conversations(db, store_id, unread_only=True)
    assert [c.phone for c in unread] == [STRANGER, ANA_CELL]


def test_a_thread_lists_both_directions_with_the_queue_status_of_each_reply(
    ctx: AppContext, ids: dict[str, int]
) -> None:
    store_id = ctx.actor.store_id
    add_inbound(ctx.db, store_id, ANA_CELL, "Is my refill ready?", at=NOW - timedelta(minutes=10), patient_pk=ids["2001"])  # fmt: skip
    sent = send_chat(ctx, patient_id="2001", text="Yes #PATIENTNAME#, it is ready.")
    assert sent.body == "Yes Ana Ruiz, it is ready."
    with ctx.db.engine.begin() as conn:
        conn.execute(
            OutboundMessage.__table__.update()  # type: ignore[attr-defined]
            .where(OutboundMessage.__table__.c.id == sent.message_id)  # type: ignore[attr-defined]
            .values(status="Unconfirmed")
        )
    thread = read_thread(ctx.db, store_id, ANA_CELL)
    assert thread.name == "Ana Ruiz" and not thread.opted_out
    assert [(line.direction, line.body, line.status, line.unread) for line in thread.lines] == [
        ("in", "Is my refill ready?", "", False),  # answering read it
        ("out", "Yes Ana Ruiz, it is ready.", "Sent?", False),
    ]


def test_a_reply_is_a_high_priority_general_sms_with_its_chat_line_and_audit(
    ctx: AppContext, ids: dict[str, int]
) -> None:
    mark_before = chat_mark(ctx.db, ctx.actor.store_id)
    sent = send_chat(ctx, patient_id="2001", text="Your order is ready")
    assert sent.status is QueueStatus.PENDING and sent.phone == ANA_CELL
    with ctx.db.read() as session:
        row = session.get(OutboundMessage, sent.message_id)
        assert row is not None
        assert (row.method, row.alert_type, row.priority, row.recipient) == (
            "SMS", AlertType.GENERAL.value, int(Priority.HIGH), ANA_CELL
        )  # fmt: skip
        line = session.exec(
            select(ConversationMessage).where(
                ConversationMessage.outbound_message_id == sent.message_id
            )
        ).one()[0]
        assert (line.direction, line.patient_id, line.phone) == ("out", ids["2001"], ANA_CELL)
        audit = session.exec(select(AuditLog).where(AuditLog.action == "chat.send")).one()[0]
        assert audit.target == f"message {sent.message_id}" and audit.username == "alice"
    assert chat_mark(ctx.db, ctx.actor.store_id) != mark_before


@pytest.mark.parametrize(
    ("patient_id", "text", "error", "reason"),
    [
        ("2001", "   ", FieldError, "the message is empty"),
        ("2001", "We now carry C.B.D oil", FieldError, "'cbd' is a restricted word"),
        ("2001", "Hi #NOSUCHVAR#", FieldError, "NOSUCHVAR"),
        ("9999", "Hello", NotFound, "no patient with ID '9999'"),
        ("2004", "Hello", InvalidInput, "Not sent: Ben Stone has no cell phone"),
        ("2005", "Hello", InvalidInput, "Not sent: Dora Kim has not consented to text messages"),
    ],
)
def test_a_reply_that_may_not_go_is_refused_whole_with_its_reason(
    ctx: AppContext,
    ids: dict[str, int],
    patient_id: str,
    text: str,
    error: type[Exception],
    reason: str,
) -> None:
    before = counts(ctx.db)
    with pytest.raises(error) as raised:
        send_chat(ctx, patient_id=patient_id, text=text)
    assert reason in str(raised.value)
    assert counts(ctx.db) == before


def test_after_a_stop_the_number_shows_opted_out_and_a_reply_is_refused(
    ctx: AppContext, ids: dict[str, int]
) -> None:
    store_id = ctx.actor.store_id
    texted_stop(ctx.db, store_id, ids["2001"], ANA_CELL, at=NOW + timedelta(seconds=1))
    (conversation,) = list_conversations(ctx.db, store_id)
    assert conversation.opted_out and conversation.patients[0].opted_out
    assert read_thread(ctx.db, store_id, ANA_CELL).lines[-1].keyword == "stop"
    before = counts(ctx.db)
    with pytest.raises(InvalidInput, match="Ana Ruiz texted STOP: no texts until they text START"):
        send_chat(ctx, patient_id="2001", text="Sorry to see you go")
    assert counts(ctx.db) == before


def test_a_flagged_text_marks_its_thread_until_staff_answer(
    ctx: AppContext, ids: dict[str, int]
) -> None:
    store_id = ctx.actor.store_id
    add_inbound(ctx.db, store_id, ANA_CELL, "can you stop the refill on my Lisinopril", at=NOW - timedelta(minutes=3), patient_pk=ids["2001"], needs_staff=True)  # fmt: skip
    (conversation,) = list_conversations(ctx.db, store_id)
    assert conversation.needs_staff and not conversation.opted_out
    thread = read_thread(ctx.db, store_id, ANA_CELL)
    assert thread.needs_staff and thread.lines[0].needs_staff
    mark_read(ctx.db, store_id, ANA_CELL, now=NOW)
    assert list_conversations(ctx.db, store_id)[0].needs_staff  # read is not answered
    send_chat(ctx, patient_id="2001", text="Done, we cancelled that refill.")
    assert not list_conversations(ctx.db, store_id)[0].needs_staff
    assert not read_thread(ctx.db, store_id, ANA_CELL).needs_staff


def test_a_quick_response_is_filled_in_for_the_patient(
    ctx: AppContext, ids: dict[str, int]
) -> None:
    add_quick_response(ctx.db, ctx.actor.store_id, "Ready", "Hi #PATIENTFIRSTNAME#, your order is ready at #STORENAME#.")  # fmt: skip
    text = quick_response_text(ctx, patient_id="2003", name="ready")
    assert text == "Hi Elena, your order is ready at Main Street Pharmacy."
    with pytest.raises(NotFound, match="no quick response 'Thanks'"):
        quick_response_text(ctx, patient_id="2003", name="Thanks")


def test_a_thread_is_found_by_patient_id_or_number(ctx: AppContext, ids: dict[str, int]) -> None:
    store_id = ctx.actor.store_id
    assert find_thread(ctx.db, store_id, "2003") == LOPEZ_HOUSEHOLD
    assert find_thread(ctx.db, store_id, "(312) 555-0199") == STRANGER
    with pytest.raises(InvalidInput, match=r"Ben Stone \(2004\) has no cell phone"):
        find_thread(ctx.db, store_id, "2004")
    with pytest.raises(NotFound, match="no patient with ID 'nobody'"):
        find_thread(ctx.db, store_id, "nobody")


def test_the_mark_changes_only_when_a_line_arrives(ctx: AppContext, ids: dict[str, int]) -> None:
    store_id = ctx.actor.store_id
    assert chat_mark(ctx.db, store_id) is None
    add_inbound(ctx.db, store_id, ANA_CELL, "hi", at=NOW)
    first = chat_mark(ctx.db, store_id)
    assert first is not None and chat_mark(ctx.db, store_id) == first
    add_inbound(ctx.db, store_id, ANA_CELL, "hello?", at=NOW)  # same instant, a later id
    assert chat_mark(ctx.db, store_id) != first
