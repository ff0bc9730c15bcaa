"""The signature pad dialog as staff see it at 80x24 after the patient pressed NO."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.devices.sigpad_sim import answer_no
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from tests.devices.sigpad_world import simulated_pad
from tests.tui.conftest import SMITH, settle

SnapCompare = Callable[..., bool]


def test_patient_said_no(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    with simulated_pad("pty", answer_no) as pad:
        settings = app.context.settings
        app.context.settings = settings.model_copy(update={"sigpad_url": pad.url})

        async def run_before(pilot: Pilot[None]) -> None:
            app.push_screen(PatientProfileScreen(app.context, patient_id=SMITH))
            await settle(pilot)
            await pilot.press("o")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
