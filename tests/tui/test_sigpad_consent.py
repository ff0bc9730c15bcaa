"""Ask for consent on the signature pad from the Patient Profile, at 80x24, keyboard only.

The pad is the simulator on a real pty, as a USB serial pad appears.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.devices.sigpad_protocol import Prompt
from rxmsg_tui.devices.sigpad_sim import answer_no, answer_yes
from rxmsg_tui.dialogs.patient_message_settings import PatientMessageSettingsDialog
from rxmsg_tui.dialogs.sigpad_consent import SigpadConsentDialog
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.models import Consent
from tests.devices.sigpad_world import SimulatedPad, simulated_pad
from tests.tui.conftest import SMITH, settle

Respond = Callable[[Prompt], str | None]


@pytest.fixture
def pad_answers() -> list[Respond]:
    """What the pad answers; a test replaces the first entry before opening the pad."""
    return [answer_yes]


@pytest.fixture
def pad(pad_answers: list[Respond]) -> Iterator[SimulatedPad]:
    with simulated_pad("pty", lambda prompt: pad_answers[0](prompt)) as served:
        yield served


@pytest.fixture
def with_pad(context: AppContext, pad: SimulatedPad) -> AppContext:
    context.settings = context.settings.model_copy(update={"sigpad_url": pad.url})
    return context


def sigpad_rows(context: AppContext) -> list[tuple[str, str, bool, str]]:
    with context.db.read() as session:
        rows = session.exec(
            select(Consent).where(Consent.source == "sigpad").order_by(col(Consent.id))
        )
        return [(r.channel, r.purpose, r.granted, r.wording_version) for r in rows]


def status(app: RxMsgApp) -> str:
    return str(app.screen.query_one("#sigpad-status", Static).content)


async def open_from_profile(pilot: Pilot[None], context: AppContext) -> SigpadConsentDialog:
    pilot.app.push_screen(PatientProfileScreen(context, patient_id=SMITH))
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, SigpadConsentDialog)
    return dialog


async def test_yes_is_recorded_and_the_profile_read_again(
    app: RxMsgApp, with_pad: AppContext, pad: SimulatedPad
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_from_profile(pilot, with_pad)
        wording = str(dialog.query_one("#sigpad-wording", Static).content)
        assert wording.startswith("Transactional wording en-1: I agree that Main Street Pharmacy")
        await pilot.press("enter")
        await settle(pilot)
        assert status(app).startswith("Recorded: 1001: consent recorded for email, sms")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientProfileScreen)
    assert sigpad_rows(with_pad) == [
        ("email", "transactional", True, "en-1"),
        ("sms", "transactional", True, "en-1"),
    ]
    assert pad.prompts[0].text.startswith("I agree that Main Street Pharmacy")


async def test_marketing_is_asked_second_when_ticked(
    app: RxMsgApp, with_pad: AppContext, pad: SimulatedPad
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_profile(pilot, with_pad)
        await pilot.press("shift+tab", "space", "tab")  # tick "Then ask for marketing consent"
        await pilot.press("enter")
        await settle(pilot)
        assert "marketing granted" in status(app)
    assert len(pad.prompts) == 2
    assert {row[1] for row in sigpad_rows(with_pad)} == {"transactional", "marketing"}


async def test_no_is_a_refusal(
    app: RxMsgApp, with_pad: AppContext, pad_answers: list[Respond]
) -> None:
    pad_answers[0] = answer_no
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_profile(pilot, with_pad)
        await pilot.press("enter")
        await settle(pilot)
        assert status(app).startswith("Refused: 1001: the patient said NO")
    assert [row[2] for row in sigpad_rows(with_pad)] == [False, False]


async def wait_for(event: threading.Event) -> None:
    for _ in range(100):
        if event.is_set():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the pad was never asked")


async def test_escape_while_waiting_records_nothing(
    app: RxMsgApp, with_pad: AppContext, pad: SimulatedPad, pad_answers: list[Respond]
) -> None:
    pad_answers[0] = lambda prompt: None
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_profile(pilot, with_pad)
        await pilot.press("enter")
        await pilot.pause()
        assert status(app).startswith("Waiting for the patient…")
        await wait_for(pad.asked)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientProfileScreen)
    assert sigpad_rows(with_pad) == []


async def test_cable_pulled_while_waiting_is_said_and_records_nothing(
    app: RxMsgApp, with_pad: AppContext, pad: SimulatedPad, pad_answers: list[Respond]
) -> None:
    pad_answers[0] = lambda prompt: None
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_profile(pilot, with_pad)
        await pilot.press("enter")
        await wait_for(pad.asked)
        pad.pull_cable()
        await settle(pilot)
        said = status(app)
        assert said.startswith("The signature pad was disconnected while waiting")
        assert said.endswith("nothing was recorded")
        assert isinstance(app.screen, SigpadConsentDialog)
    assert sigpad_rows(with_pad) == []


async def test_no_pad_set_up_says_how_to_set_one(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_profile(pilot, context)
        await pilot.press("enter")
        await settle(pilot)
        assert "set RXMSG_SIGPAD_URL" in status(app)
    assert sigpad_rows(context) == []


async def test_from_the_bell_f7(app: RxMsgApp, with_pad: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PatientProfileScreen(with_pad, patient_id=SMITH))
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, SigpadConsentDialog)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PatientMessageSettingsDialog)
        ledger = app.screen.query_one("#ledger", DataTable)
        assert "sigpad" in [str(cell) for cell in ledger.get_row_at(0)]
    assert len(sigpad_rows(with_pad)) == 2
