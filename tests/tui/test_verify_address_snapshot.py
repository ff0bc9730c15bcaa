"""The verification dialog as staff see it at 80x24 after F5 and a wrong code."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.verify_address import VerifyAddressDialog
from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from tests.tui.conftest import settle, type_text
from tests.tui.test_verify_address import PID, app, queued_code

__all__ = ["app"]

SnapCompare = Callable[..., bool]


def test_verify_cell_phone(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app.push_screen(PatientProfileScreen(app.context, patient_id=PID))
        await settle(pilot)
        app.push_screen(VerifyAddressDialog(app.context, PID, Channel.SMS))
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        wrong = f"{(int(queued_code(app.context)) + 1) % 1_000_000:06d}"
        await type_text(pilot, wrong)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+a", "ctrl+k")  # the wrong code would differ from run to run
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
