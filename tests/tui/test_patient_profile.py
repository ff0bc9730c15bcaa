"""Patient Profile at 80x24: asked for by ID from the menu, details, Rxs, an unknown ID."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from tests.tui.conftest import settle, type_text


def text(app: RxMsgApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_profile_from_the_menu_asks_for_an_id_and_shows_the_patient(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatientProfileScreen)
        assert app.focused is screen.query_one("#patient-id", Input)
        assert not screen.query_one("#profile-details").display
        field = screen.query_one("#patient-id", Input)
        # The hint is read whole at 80 columns, the cursor after it.
        assert field.placeholder == "type the patient ID and press Enter"
        assert field.content_region.width > len(field.placeholder)
        assert field.content_region.right <= 80
        await type_text(pilot, "1001")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#profile-details").display
        assert text(app, "#patient-name") == "Smith, John   DOB 1980-04-12   Language English"
        assert text(app, "#patient-contact") == (
            "Cell (555) 010-2000 verified\nEmail john.smith@example.com not verified"
        )
        # Marketing email was granted, then revoked: the ledger's latest row wins.
        assert text(app, "#patient-consent") == ("Consent Transactional: SMS · Marketing: none")
        assert text(app, "#patient-settings") == (
            "Messages Refill Reminder: SMS · RX Ready for Pickup: Email, SMS"
        )
        table = screen.query_one("#prescriptions", DataTable)
        assert [table.get_row_at(i) for i in range(table.row_count)] == [
            ["600123", "Lisinopril …", "2026-02-01", "2026-03-03", "3", "Yes", ""],
            ["600124", "Metformin 5…", "2025-11-01", "2025-12-01", "3", "No", ""],
        ]
        assert table.border_title == "Prescriptions (2)"
        # The table clips the drug; the line under it names the highlighted Rx in full.
        assert text(app, "#rx-detail") == "Rx 600123 · Lisinopril 10 mg tablet"
        assert app.focused is table


async def test_an_unknown_id_says_so_and_the_next_id_still_works(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await type_text(pilot, "99x")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatientProfileScreen)
        assert text(app, "#profile-message") == "No patient with ID '99x' at this store"
        assert not screen.query_one("#profile-details").display
        field = screen.query_one("#patient-id", Input)
        assert app.focused is field
        await pilot.press("enter")  # the same unknown ID again: same answer, no crash
        await settle(pilot)
        assert text(app, "#profile-message") == "No patient with ID '99x' at this store"
        field.value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert text(app, "#profile-message") == "Enter a patient ID"
        await type_text(pilot, "1004")
        await pilot.press("enter")
        await settle(pilot)
        assert text(app, "#profile-message") == ""
        assert text(app, "#patient-name").startswith("Adams, Bob")
        assert text(app, "#patient-settings") == "Messages no message settings yet"
        assert screen.query_one("#prescriptions", DataTable).row_count == 0
        await pilot.press("slash")
        assert app.focused is field
        await pilot.press("escape")
        assert not isinstance(app.screen, PatientProfileScreen)
