"""Opt-in Wording at 80x24, by keyboard: a new version saved, old ones kept, refusals at the field."""

from __future__ import annotations

import json

from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Static, TextArea

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.screens.opt_in_wording import OptInWordingScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.sigpad_wording import MAX_WORDING, current_wordings
from rxmsg_tui.storage.models import AuditLog, ConsentWording
from rxmsg_tui.widgets.field_message import FieldMessage
from tests.tui.conftest import settle, type_text

OPEN_WORDING = ("3", "1", "1", "8")  # Misc > Interface Setups > Outbound Messaging > Opt-in Wording
READ_ONLY = "Read only: technicians cannot change setup; ask a pharmacist or an admin."


async def open_wording(pilot: Pilot[None]) -> OptInWordingScreen:
    for key in OPEN_WORDING:
        await pilot.press(key)
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OptInWordingScreen)
    return screen


def versions(context: AppContext) -> list[tuple[str, str, str, str]]:
    """Every version stored, old and new: (purpose, language, version, text)."""
    with context.db.read() as session:
        rows = session.exec(select(ConsentWording).order_by(col(ConsentWording.id))).all()
        return [(r.purpose, r.language, r.version, r.text) for r in rows]


def table_rows(screen: OptInWordingScreen) -> list[list[str]]:
    table = screen.query_one("#wordings", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def status(screen: OptInWordingScreen) -> str:
    return str(screen.query_one("#wordings-status", Static).content)


async def test_an_admin_edits_the_english_wording_and_saves_a_new_version(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_wording(pilot)
        assert [row[:4] for row in table_rows(screen)] == [
            ["Transactional", "English", "en-1", "Email, SMS"],
            ["Transactional", "Español", "es-1", "Email, SMS"],
            ["Marketing", "English", "en-1", "Email, SMS"],
            ["Marketing", "Español", "es-1", "Email, SMS"],
        ]
        await pilot.press("enter")
        await settle(pilot)
        text = screen.query_one("#wording-text", TextArea)
        assert app.focused is text
        form = screen.query_one("#wording-form")
        assert form.border_title == "Edit Transactional · English · en-1 (default)"
        preview = screen.query_one("#wording-preview", Static)
        title = screen.query_one("#wording-preview-title", Static)
        assert str(title.content) == "On the pad, as one line · 341 of 1,000 characters"
        await type_text(pilot, "Signed at the counter. ")
        assert str(preview.content).startswith("Signed at the counter. I agree that")
        await pilot.press("tab", "tab", "space")  # past Email to SMS: untick it
        assert not screen.query_one("#wording-channel-sms", Checkbox).value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not form.display
        assert status(screen).startswith(
            "Saved Transactional English as en-2; consents signed under en-1 keep that text."
        )
        assert table_rows(screen)[0][:4] == ["Transactional", "English", "en-2", "Email"]
    stored = versions(context)
    assert [v[:3] for v in stored if v[:2] == ("transactional", "en")] == [
        ("transactional", "en", "en-1"),
        ("transactional", "en", "en-2"),
    ]
    old, new = (v[3] for v in stored if v[:2] == ("transactional", "en"))
    assert new == f"Signed at the counter. {old}"
    (current,) = [
        w
        for w in current_wordings(context.db, context.actor, now=context.clock.now())
        if (w.purpose, w.language) == ("transactional", "en")
    ]
    assert (current.version, current.channels, current.created_by) == ("en-2", ("email",), "alice")
    with context.db.read() as session:
        audit = session.exec(
            select(AuditLog).where(AuditLog.action == "consent_wording.save")
        ).one()
    assert json.loads(audit.after or "{}")["version"] == "en-2"


async def test_saving_the_same_text_makes_no_new_version(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_wording(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert status(screen).startswith("Transactional Español: nothing changed, still es-1.")
    assert [v[2] for v in versions(context)] == ["en-1", "es-1", "en-1", "es-1"]


async def test_an_empty_wording_is_refused_at_the_field(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_wording(pilot)
        await settle(pilot)
        before = versions(context)
        await pilot.press("enter")
        await settle(pilot)
        screen.query_one("#wording-text", TextArea).load_text("   \n  ")
        await pilot.pause()
        assert str(screen.query_one("#wording-preview", Static).content).startswith("(empty")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#text-error", FieldMessage)
        assert error.message == "the wording is empty; write what the patient agrees to"
        assert screen.query_one("#wording-form").display
        assert app.focused is screen.query_one("#wording-text", TextArea)
        await type_text(pilot, "I agree")  # typing takes the refusal away
        assert error.message == ""
    assert versions(context) == before


async def test_an_over_long_wording_is_refused_at_the_field_and_the_preview_warns(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_wording(pilot)
        before = versions(context)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        screen.query_one("#wording-text", TextArea).load_text("word " * 250)
        await pilot.pause()
        title = screen.query_one("#wording-preview-title", Static)
        assert title.has_class("-too-long")
        assert str(title.content) == (
            f"On the pad, as one line · 1,249 of {MAX_WORDING:,} characters"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.query_one("#text-error", FieldMessage).message == (
            f"the wording has 1249 characters; a pad shows at most {MAX_WORDING}"
        )
    assert versions(context) == before


async def test_a_wording_with_no_channel_is_refused_at_the_channels(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_wording(pilot)
        before = versions(context)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("tab", "space", "tab", "space", "ctrl+s")  # untick Email and SMS
        await settle(pilot)
        assert screen.query_one("#channels-error", FieldMessage).message == (
            "name at least one channel the wording covers"
        )
        assert app.focused is screen.query_one("#wording-channel-email", Checkbox)
    assert versions(context) == before


async def test_a_technician_reads_the_wording_and_cannot_change_it(
    app: RxMsgApp, context: AppContext
) -> None:
    context.actor = Actor(context.actor.store_id, context.actor.store_code, "tom", Role.TECHNICIAN)
    app.NOTIFICATION_TIMEOUT = 600  # the refusal still listed on a slow machine
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_wording(pilot)
        before = versions(context)
        assert status(screen) == READ_ONLY
        await pilot.press("enter")
        await settle(pilot)
        text = screen.query_one("#wording-text", TextArea)
        assert screen.query_one("#wording-form").border_title == (
            "Read Transactional · English · en-1 (default)"
        )
        assert text.read_only
        await type_text(pilot, "Changed")
        assert not text.text.startswith("Changed")
        assert not screen.query("#wording-save")
        screen.show_status("")
        await pilot.press("ctrl+s")  # Save says why, rather than doing nothing
        await settle(pilot)
        assert status(screen) == READ_ONLY
        assert [n.message for n in app._notifications] == [READ_ONLY]
        await pilot.press("escape")  # nothing to discard: the form closes at once
        assert not screen.query_one("#wording-form").display
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)
    assert versions(context) == before


async def test_the_palette_opens_it_by_name(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "Opt-in Wording")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OptInWordingScreen)
