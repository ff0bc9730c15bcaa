"""Patient Message Settings (the bell) at 80x24, keyboard only, from the profile and the listing."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.consent_entry import ConsentEntryDialog
from rxmsg_tui.dialogs.patient_message_settings import PatientMessageSettingsDialog
from rxmsg_tui.dialogs.verify_address import VerifyAddressDialog
from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, AuditLog, Patient
from rxmsg_tui.widgets.channel_boxes import ChannelBoxes
from tests.tui.conftest import SMITH, settle, type_text
from tests.tui.test_worker_failures import LOCKED, BrokenDatabase


async def open_bell_from_profile(app: RxMsgApp, pilot: Pilot[None]) -> PatientMessageSettingsDialog:
    app.push_screen(PatientProfileScreen(app.context, patient_id=SMITH))
    await settle(pilot)
    assert isinstance(app.screen, PatientProfileScreen)
    assert "🔔 b Message Settings" in str(app.screen.query_one("#bell-mark", Static).render())
    await pilot.press("b")
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, PatientMessageSettingsDialog)
    return dialog


def text(dialog: object, selector: str) -> str:
    assert isinstance(dialog, PatientMessageSettingsDialog)
    return str(dialog.query_one(selector, Static).render())


def stored(db: Database, patient_id: str) -> Patient:
    with db.read() as session:
        found = session.exec(select(Patient).where(Patient.patient_id == patient_id)).one()
        return found


async def test_change_cell_clears_verification_and_channels_are_saved(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_bell_from_profile(app, pilot)
        assert text(dialog, "#cell-state") == "verified"
        assert app.focused is dialog.query_one("#cell", Input)
        # A number that cannot exist is refused at its field, nothing saved.
        await pilot.press("end", *["backspace"] * 30)
        await type_text(pilot, "555-010-2999")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "Cell Phone '555-010-2999': not a valid" in text(dialog, "#cell-error")
        assert app.focused is dialog.query_one("#cell", Input)
        # A real number: saved E.164, verification cleared; SMS for birthday ticked.
        await pilot.press("end", *["backspace"] * 30)
        await type_text(pilot, "2015550123")
        birthday = dialog.query_one("#channels-birthday", ChannelBoxes)
        for _ in range(20):
            await pilot.press("tab")
            if app.focused is birthday.query(Checkbox)[1]:
                break
        assert app.focused is birthday.query(Checkbox)[1]
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PatientProfileScreen)
        row = stored(context.db, SMITH)
        assert (row.cell_phone, row.cell_verified) == ("+12015550123", False)
        contact = str(app.screen.query_one("#patient-contact", Static).render())
        assert contact.startswith("Cell (201) 555-0123 not verified")
        settings = str(app.screen.query_one("#patient-settings", Static).render())
        assert "Birthday Greeting: SMS" in settings


async def test_apply_default_and_consent_given_then_withdrawn(
    app: RxMsgApp, context: AppContext
) -> None:
    with context.db.engine.begin() as conn:
        conn.execute(update(AlertSettings).values(defaults={"refill": ["email", "sms"]}))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_bell_from_profile(app, pilot)
        ledger = dialog.query_one("#ledger", DataTable)
        assert ledger.row_count == 3
        await pilot.press("f5")
        await settle(pilot)
        assert text(dialog, "#bell-status") == "Default settings applied and saved"
        assert dialog.query_one("#channels-refill", ChannelBoxes).value == ["email", "sms"]
        assert dialog.query_one("#channels-pickup", ChannelBoxes).value == []
        # Marketing SMS consent given in person: channel SMS, purpose down to Marketing.
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, ConsentEntryDialog)
        await pilot.press("tab", "enter", "down", "enter")  # purpose: Marketing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert text(dialog, "#bell-status") == "Recorded: sms marketing consent given"
        assert ledger.row_count == 4
        assert ledger.get_row_at(0)[1:] == ["sms", "marketing", "granted", "in-person", "alice"]
        # Withdrawn by phone.
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")  # Marketing
        await pilot.press("tab", "enter", "down", "enter")  # Withdrawn
        await pilot.press("tab", "enter", "down", "enter")  # By phone (verbal)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ledger.row_count == 5
        assert ledger.get_row_at(0)[1:] == ["sms", "marketing", "withdrawn", "verbal", "alice"]
        # Cancel after writes: the profile reads the patient again.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientProfileScreen)
        settings = str(app.screen.query_one("#patient-settings", Static).render())
        assert settings == "Messages Refill Reminder: Email, SMS"
    with context.db.read() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert actions.count("patient.consent") == 2
    assert actions.count("patient.apply_defaults") == 1


async def test_bell_from_the_listing_on_the_highlighted_patient(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PatientListingScreen(app.context))
        await settle(pilot)
        await type_text(pilot, "Garcia")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PatientMessageSettingsDialog)
        assert text(dialog, "#bell-patient").startswith("Garcia, Maria")
        await pilot.press("end", *["backspace"] * 30)
        await type_text(pilot, "+1 202 555 0143")
        await pilot.press("ctrl+s")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, PatientListingScreen)
        table = listing.query_one("#patients", DataTable)
        assert table.get_row_at(0)[1:4] == ["Garcia, Maria", "1970-01-01", "(202) 555-0143"]


async def test_unknown_patient_is_a_line_not_a_crash(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PatientMessageSettingsDialog(context, "NOPE"))
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PatientMessageSettingsDialog)
        assert text(dialog, "#bell-status") == "No patient with ID 'NOPE' at this store"
        await pilot.press("ctrl+s", "f5", "f4")
        await settle(pilot)
        assert app.screen is dialog
        await pilot.press("escape")
        assert app.screen is not dialog


async def test_a_failing_database_is_a_line_in_the_bell_and_it_stays(
    app: RxMsgApp, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = BrokenDatabase(monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_bell_from_profile(app, pilot)
        broken.broken = True
        await pilot.press("end", "backspace")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running and app.screen is dialog
        assert text(dialog, "#bell-status") == f"Not saved: {LOCKED}"
        await pilot.press("f5")
        await settle(pilot)
        assert text(dialog, "#bell-status") == f"Defaults not applied: {LOCKED}"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientProfileScreen)
        app.push_screen(PatientMessageSettingsDialog(context, SMITH))
        await settle(pilot)
        assert text(app.screen, "#bell-status") == LOCKED[:1].upper() + LOCKED[1:]


async def test_verify_and_send_keys_open_their_dialogs(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_bell_from_profile(app, pilot)
        for key, channel in (("f2", Channel.SMS), ("f3", Channel.EMAIL)):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, VerifyAddressDialog)
            assert app.screen.channel is channel
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is dialog
        await pilot.press("f6")
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, GroupSendScreen)
        assert wizard.patient_ids == (SMITH,)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dialog


async def test_save_with_nothing_changed_writes_nothing(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_bell_from_profile(app, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PatientProfileScreen)
    with context.db.read() as session:
        assert session.exec(select(AuditLog)).all() == []
