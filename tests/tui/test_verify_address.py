"""The verification dialog at 80x24, by keyboard: send a code, wrong code, locked, expired,
resend throttled, right code; a failing database is a line and the dialog stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.clock import Clock
from rxmsg_tui.dialogs.verify_address import ChooseAddressDialog, VerifyAddressDialog
from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.models import OutboundMessage, Patient
from tests.conftest import NOW
from tests.tui.conftest import settle, type_text
from tests.tui.seed import insert_patients, patient

PID = "2001"


@pytest.fixture
def app(context: AppContext) -> RxMsgApp:
    assert context.store.id is not None
    insert_patients(
        context.db,
        context.store.id,
        [patient(PID, "Ana", "Lopez", cell_phone="+12025550143", email="ana@example.org")],
    )
    return RxMsgApp(context)


def text(dialog: VerifyAddressDialog, selector: str) -> str:
    return str(dialog.query_one(selector, Static).content)


def queued_code(context: AppContext) -> str:
    with context.db.read() as session:
        rows = list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))  # type: ignore[arg-type]
    found = re.search(r"\b(\d{6})\b", rows[-1].body)
    assert found
    return found.group(1)


def cell_verified(context: AppContext) -> bool:
    with context.db.read() as session:
        return session.exec(select(Patient).where(Patient.patient_id == PID)).one().cell_verified


async def open_dialog(
    pilot: Pilot[None], context: AppContext, results: list[bool | None]
) -> VerifyAddressDialog:
    dialog = VerifyAddressDialog(context, PID, Channel.SMS)
    pilot.app.push_screen(dialog, results.append)
    await settle(pilot)
    return dialog


async def enter_code(pilot: Pilot[None], code: str) -> None:
    await pilot.press("ctrl+a", "ctrl+k")
    await type_text(pilot, code)
    await pilot.press("enter")
    await settle(pilot)


async def test_send_a_code_then_a_wrong_one_then_the_right_one(
    app: RxMsgApp, context: AppContext
) -> None:
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, context, results)
        assert text(dialog, "#verify-address") == "Cell: (202) 555-0143"
        assert text(dialog, "#verify-state") == "Not verified"
        await pilot.press("f5")
        await settle(pilot)
        assert text(dialog, "#verify-status").startswith(
            "Code queued to (202) 555-0143 (message 1); it expires at 10:40."
        )
        assert text(dialog, "#verify-state") == "Not verified — a code is waiting until 10:40"
        code = queued_code(context)
        assert all(code not in str(s.content) for s in dialog.query(Static))
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        await enter_code(pilot, wrong)
        assert text(dialog, "#verify-code-error") == "Wrong code (4 tries left)"
        assert not cell_verified(context)
        await pilot.press("f5")  # within the minute: refused, the code still stands
        await settle(pilot)
        assert text(dialog, "#verify-status") == (
            "No code sent: a code was sent to this cell less than a minute ago; "
            "a new code can be sent at 10:31"
        )
        await enter_code(pilot, code)
        assert text(dialog, "#verify-status") == "Cell verified."
        assert text(dialog, "#verify-state") == "Verified"
        assert cell_verified(context)
        await pilot.press("escape")
        await settle(pilot)
    assert results == [True]


async def test_five_wrong_codes_lock_it_and_an_expired_code_is_refused(
    app: RxMsgApp, context: AppContext
) -> None:
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, context, results)
        await pilot.press("f5")
        await settle(pilot)
        code = queued_code(context)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(5):
            await enter_code(pilot, wrong)
        assert "locked" in text(dialog, "#verify-code-error")
        await enter_code(pilot, code)
        assert text(dialog, "#verify-code-error") == "Too many wrong tries; send a new code"
        context.clock = Clock(NOW + timedelta(minutes=2))
        await pilot.press("f5")
        await settle(pilot)
        fresh = queued_code(context)
        context.clock = Clock(NOW + timedelta(minutes=13))
        await enter_code(pilot, fresh)
        assert text(dialog, "#verify-code-error") == "The code expired at 10:42; send a new one"
        assert not cell_verified(context)
        await pilot.press("escape")
        await settle(pilot)
    assert results == [False]


async def test_a_failing_database_is_a_line_and_the_dialog_stays(
    app: RxMsgApp, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.tui.test_worker_failures import LOCKED, BrokenDatabase

    broken = BrokenDatabase(monkeypatch)
    broken.broken = True
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, context, results)
        assert text(dialog, "#verify-status") == f"Cannot read the patient: {LOCKED}"
        await pilot.press("f5")
        await settle(pilot)
        assert app.is_running and app.screen is dialog
        assert text(dialog, "#verify-status") == f"No code sent: {LOCKED}"
        await enter_code(pilot, "123456")
        assert text(dialog, "#verify-status") == LOCKED


async def test_from_the_patient_profile_a_asks_which_address_then_verifies_it(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        profile = PatientProfileScreen(context, patient_id=PID)
        app.push_screen(profile)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChooseAddressDialog)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, VerifyAddressDialog)
        assert text(dialog, "#verify-address") == "E-mail: ana@example.org"
        await pilot.press("f5")
        await settle(pilot)
        await enter_code(pilot, queued_code(context))
        assert text(dialog, "#verify-status") == "E-mail verified."
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is profile
        contact = str(profile.query_one("#patient-contact", Static).render())
        assert "Email ana@example.org verified" in contact
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")  # neither: back on the profile
        await settle(pilot)
        assert app.screen is profile
