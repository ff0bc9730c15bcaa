"""Patient Listing: find a patient by name, patient ID or phone, a page at a time."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Static

from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import PATIENT_LISTING, SEND_EMAIL_SMS
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.patients import (
    ListingKey,
    PatientPage,
    PatientRow,
    count_patients,
    display_phone,
    list_patients,
)
from rxmsg_tui.widgets.paged_table import Direction, PagedTable, PageRow, clip

SEARCH_PAUSE = 0.3
"""Seconds of no typing before a search runs, so each keystroke does not query."""

TYPED_IN_SEARCH = frozenset({"focus_search", "message_settings", "send_message"})
"""Actions whose keys (/, b, s) the search line takes as text while it has focus."""

COLUMNS = (("Patient ID", 10), ("Name", 22), ("DOB", 10), ("Cell Phone", 14), ("Email", 13))


class PatientListingScreen(RxScreen):
    """A search box over a table that holds a page or two, never the whole patient file.

    Every change of the search starts a new generation; pages and counts that
    arrive for an older one are dropped, so a slow search can never overwrite
    the answer to the one typed after it.
    """

    CSS_PATH = "../styles/patient_listing.tcss"
    AUTO_FOCUS = "#search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="listing.search", tooltip="Type to search"),
        Binding(
            "down",
            "focus_table",
            "Results",
            show=False,
            id="listing.results",
            tooltip="Go to the results",
        ),
        Binding(
            "b",
            "message_settings",
            "Message Settings",
            id="listing.bell",
            tooltip="Patient Message Settings (the bell) of the highlighted patient",
        ),
        Binding(
            "s",
            "send_message",
            "Send Email/SMS",
            id="listing.send",
            tooltip="Send a general email or text message to the patients of this search",
        ),
    ]

    def __init__(self, context: AppContext, *, page_size: int = 50) -> None:
        super().__init__(context, PATIENT_LISTING)
        self.page_size = page_size
        self.generation = 0
        self.search_text = ""
        self._pause: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="search-line"):
            yield Label("Search ", id="search-label")
            yield Input(
                placeholder="last name, first name, patient ID or cell phone",
                id="search",
                compact=True,
            )
        yield PagedTable(page_size=self.page_size, id="patients")
        yield Static("Loading…", id="listing-status")

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self._start_search()

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(SEARCH_PAUSE, self._start_search)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        if self.query_one("#search", Input).value.strip() != self.search_text:
            self._start_search()
        self.action_focus_table()

    def _start_search(self) -> None:
        if self._pause is not None:
            self._pause.stop()
            self._pause = None
        self.generation += 1
        self.search_text = self.query_one("#search", Input).value.strip()
        self.query_one(PagedTable).expect_new_rows()
        self.query_one("#listing-status", Static).update("Searching…")
        self._load(self.generation, self.search_text, "first", None)

    @on(PagedTable.RowsWanted)
    def _rows_wanted(self, event: PagedTable.RowsWanted) -> None:
        self._load(self.generation, self.search_text, event.direction, event.anchor)

    def _load(self, generation: int, search: str, direction: Direction, anchor: Hashable) -> None:
        """Read one page (and, for a new search, the count) off the UI thread."""
        db, store_id = self.context.db, self.context.actor.store_id
        key = anchor if isinstance(anchor, ListingKey) else None

        def read() -> tuple[PatientPage, int | None]:
            page = list_patients(
                db,
                store_id,
                search=search,
                after=key if direction == "after" else None,
                before=key if direction == "before" else None,
                from_end=direction == "last",
                limit=self.page_size,
            )
            first = direction == "first"
            return page, count_patients(db, store_id, search=search) if first else None

        run_service(
            self,
            read,
            partial(self._show_page, generation, direction),
            partial(self._not_listed, generation, direction),
            doing="listing patients",
            group="patient-listing",
        )

    def _show_page(
        self, generation: int, direction: Direction, read: tuple[PatientPage, int | None]
    ) -> None:
        if generation != self.generation:
            return
        page, count = read
        rows = [_page_row(row) for row in page.rows]
        self.query_one(PagedTable).show_page(rows, direction, more=page.more)
        if count is None:
            return
        noun = "patient" if count == 1 else "patients"
        found = f"{count:,} {noun}"
        if self.search_text:
            found += f" match “{self.search_text}”"
        hint = " · Enter opens the profile" if count else ""
        self.query_one("#listing-status", Static).update(found + hint)

    def _not_listed(self, generation: int, direction: Direction, event: WorkFailed) -> None:
        if generation != self.generation:
            return
        table = self.query_one(PagedTable)
        if direction == "first":
            # The rows on show answer an older search: better none than the wrong ones.
            table.show_page([], "first", more=False)
        table.stop_waiting()
        self.query_one("#listing-status", Static).update(f"Cannot list patients: {event.text}")

    @on(DataTable.RowSelected, "#patients")
    def _open_profile(self, event: DataTable.RowSelected) -> None:
        patient_id = event.row_key.value
        if patient_id is not None:
            self.app.push_screen(PatientProfileScreen(self.context, patient_id=patient_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In the search line these keys are letters of the search: the footer offers
        # them once the results have focus (Down or Enter), where they do what it says.
        if action in TYPED_IN_SEARCH and isinstance(self.focused, Input):
            return False
        return super().check_action(action, parameters)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(PagedTable).focus()

    def action_message_settings(self) -> None:
        """The bell of the highlighted patient; the listing is read again after a save."""
        table = self.query_one(PagedTable)
        if not table.row_count:
            return
        patient_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if patient_id is None:
            return
        from rxmsg_tui.dialogs.patient_message_settings import PatientMessageSettingsDialog

        def closed(saved: bool | None) -> None:
            if saved:
                self._start_search()

        self.app.push_screen(PatientMessageSettingsDialog(self.context, patient_id), closed)

    def action_send_message(self) -> None:
        """The group-send wizard, its search already the one typed here."""
        search = self.query_one("#search", Input).value.strip()
        self.app.push_screen(GroupSendScreen(self.context, SEND_EMAIL_SMS, search=search))


def _page_row(row: PatientRow) -> PageRow:
    dob = row.dob.isoformat() if row.dob else ""
    texts = (row.patient_id, row.name, dob, display_phone(row.cell_phone), row.email or "")
    cells = tuple(clip(text, width) for text, (_, width) in zip(texts, COLUMNS, strict=True))
    return PageRow(key=row.patient_id, cells=cells, anchor=row.key)
