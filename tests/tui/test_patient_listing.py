"""Patient Listing at 80x24: paging a page at a time, searching, Enter opens the profile."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from rxmsg_tui.widgets.paged_table import PagedTable
from tests.tui.conftest import BOTH_DATABASES, settle, type_text
from tests.tui.seed import insert_patients, numbered_patients

PAGE = 50


@pytest.fixture
def crowded_app(context: AppContext, db: Database, store: Store) -> RxMsgApp:
    """250 patients, P00001 (Patient0001) to P00250, and nobody else."""
    assert store.id is not None
    insert_patients(db, store.id, numbered_patients(250))
    return RxMsgApp(context)


def listing(app: RxMsgApp) -> tuple[PagedTable, str]:
    screen = app.screen
    assert isinstance(screen, PatientListingScreen)
    status = str(screen.query_one("#listing-status", Static).content)
    return screen.query_one(PagedTable), status


def highlighted(table: PagedTable) -> str:
    return table.window[table.cursor_row].key


async def test_page_down_loads_more_and_the_table_never_holds_more_than_two_pages(
    crowded_app: RxMsgApp,
) -> None:
    async with crowded_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        table, status = listing(crowded_app)
        assert status.startswith("250 patients")
        assert table.row_count == PAGE
        assert [row.key for row in table.window[:2]] == ["P00001", "P00002"]
        await pilot.press("down")  # from the search line to the results
        assert crowded_app.focused is table
        held: list[int] = []
        seen: set[str] = set()
        while highlighted(table) != "P00250":
            await pilot.press("pagedown")
            await settle(pilot)
            held.append(table.row_count)
            seen.update(row.key for row in table.window)
            assert len(held) < 30, "PageDown never reached the last patient"
        assert max(held) == 2 * PAGE
        assert len(seen) == 250  # every patient was shown on the way down
        assert table.window[0].key != "P00001"  # the first page was let go
        # PageUp walks back, loading the pages that were dropped.
        while highlighted(table) != "P00001":
            await pilot.press("pageup")
            await settle(pilot)
            assert table.row_count <= 2 * PAGE
            assert len(held) < 60
            held.append(table.row_count)
        assert table.window[0].key == "P00001"


async def test_ctrl_end_and_ctrl_home_jump_to_the_last_and_first_patients(
    crowded_app: RxMsgApp,
) -> None:
    async with crowded_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("down", "ctrl+end")
        await settle(pilot)
        table, _ = listing(crowded_app)
        assert highlighted(table) == "P00250"
        assert table.row_count == PAGE
        await pilot.press("ctrl+home")
        await settle(pilot)
        assert highlighted(table) == "P00001"
        assert table.row_count == PAGE


@BOTH_DATABASES
async def test_search_narrows_the_list_and_counts_the_matches(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        table, status = listing(app)
        assert [row.cells[1] for row in table.window] == [
            "Adams, Bob",
            "Garcia, Maria",
            "Smith, John",
            "Smithers, Ann",
        ]
        assert status.startswith("4 patients")
        await type_text(pilot, "smith")
        await pilot.press("enter")
        await settle(pilot)
        table, status = listing(app)
        assert [row.key for row in table.window] == ["1001", "1003"]
        assert status.startswith("2 patients match “smith”")
        assert app.focused is table  # Enter in the search line goes to the results
        await pilot.press("slash")
        await type_text(pilot, " jo")
        await settle(pilot)
        await pilot.pause(0.4)  # the search runs once typing pauses
        await settle(pilot)
        table, status = listing(app)
        assert [row.key for row in table.window] == ["1001"]
        assert status.startswith("1 patient match")


async def test_a_search_by_phone_and_one_that_finds_nobody(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        await type_text(pilot, "(555) 010-3000")
        await pilot.press("enter")
        await settle(pilot)
        table, _ = listing(app)
        assert [row.key for row in table.window] == ["1002"]
        search = app.screen.query_one("#search", Input)
        search.focus()
        search.value = ""
        await type_text(pilot, "zzz%")
        await pilot.press("enter")
        await settle(pilot)
        table, status = listing(app)
        assert table.row_count == 0
        assert status == "0 patients match “zzz%”"
        await pilot.press("enter")  # Enter on an empty list opens nothing
        assert isinstance(app.screen, PatientListingScreen)


async def test_the_end_of_a_cell_finds_its_patient_and_digits_from_its_middle_do_not(
    app: RxMsgApp,
) -> None:
    """Garcia's cell is (555) 010-3000: staff read back its end, never its middle."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        await type_text(pilot, "010-3000")
        await pilot.press("enter")
        await settle(pilot)
        table, _ = listing(app)
        assert [row.key for row in table.window] == ["1002"]
        search = app.screen.query_one("#search", Input)
        search.focus()
        search.value = ""
        await type_text(pilot, "555-0103")
        await pilot.press("enter")
        await settle(pilot)
        table, status = listing(app)
        assert table.row_count == 0
        assert status == "0 patients match “555-0103”"


async def test_enter_on_a_row_opens_that_patients_profile_and_esc_comes_back(
    app: RxMsgApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("down", "down", "down")  # Adams, Garcia, Smith
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatientProfileScreen)
        assert screen.profile is not None
        assert screen.profile.patient.patient_id == "1001"
        await pilot.press("escape")
        table, _ = listing(app)
        assert highlighted(table) == "1001"  # the listing is as it was left
