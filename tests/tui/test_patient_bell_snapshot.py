"""The bell (Patient Message Settings) as staff see it at 80x24, over the Patient Profile."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from tests.tui.conftest import SMITH, settle

SnapCompare = Callable[..., bool]


def test_patient_message_settings(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app.push_screen(PatientProfileScreen(app.context, patient_id=SMITH))
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
