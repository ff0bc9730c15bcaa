"""Step 1's list of patients to message: read a page at a time, ticked, red where a send would stop.

The ticks outlive the rows: after Select All they are "every patient matching
the filters but these", so a list of 200,000 patients is never read whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from rich.text import Text
from textual import on
from textual.widgets import DataTable

from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.group_send import (
    Candidate,
    CandidatePage,
    PatientFilter,
    Selection,
    find_candidates,
)
from rxmsg_tui.widgets.paged_table import clip

PAGE = 50
COLUMNS = (("", 4), ("Patient ID", 10), ("Name", 21), ("Cell Phone", 14), ("Email", 17))
RED_COLUMNS = {2: "Settings", 3: "Cell", 4: "Email"}
"""Which column shows each `Candidate.red` field."""


@dataclass
class Ticks:
    """Who is ticked: the patients named, or (Select All) every match but the unticked."""

    chosen: set[int] | None
    excluded: set[int] = field(default_factory=set)

    def ticked(self, pk: int) -> bool:
        return pk not in self.excluded if self.chosen is None else pk in self.chosen

    def toggle(self, pk: int) -> None:
        (self.excluded if self.chosen is None else self.chosen).symmetric_difference_update({pk})

    def tick_all(self) -> None:
        self.chosen, self.excluded = None, set()

    def tick_none(self) -> None:
        self.chosen, self.excluded = set(), set()

    def selection(self, flt: PatientFilter) -> Selection:
        chosen = None if self.chosen is None else frozenset(self.chosen)
        return Selection(flt=flt, chosen=chosen, excluded=frozenset(self.excluded))


class CandidateList(DataTable[Text]):
    """The rows read so far; the next page is read as the cursor nears the last row."""

    def __init__(self, ticks: Ticks, *, failed: Callable[[WorkFailed], object]) -> None:
        super().__init__(id="candidates", cursor_type="row", zebra_stripes=True)
        self.ticks = ticks
        self.failed = failed
        self.candidates: dict[int, Candidate] = {}
        self.generation = 0
        self.next_after: tuple[str, str, int] | None = None
        self.reading = False
        self._source: tuple[AppContext, PatientFilter, datetime] | None = None

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, width=width)

    def read(self, ctx: AppContext, flt: PatientFilter, *, now: datetime) -> None:
        """Show the store's first page for `flt`; pages of an earlier filter are dropped."""
        self.generation += 1
        self.candidates.clear()
        self.clear()
        self._source = (ctx, flt, now)
        self._load(None)

    def forget(self) -> None:
        """No rows (the filters are typed wrong): nothing is read."""
        self.generation += 1
        self.candidates.clear()
        self.clear()
        self._source = None

    def _load(self, after: tuple[str, str, int] | None) -> None:
        if self._source is None:
            return
        ctx, flt, now = self._source
        self.reading = True

        def read() -> CandidatePage:
            store_id = ctx.actor.store_id
            return find_candidates(ctx.db, store_id, flt, after=after, limit=PAGE, now=now)

        run_service(
            self,
            read,
            partial(self._show_page, self.generation),
            self._not_read,
            doing="listing patients to message",
            group="group-page",
        )

    def _show_page(self, generation: int, page: CandidatePage) -> None:
        if generation != self.generation:
            return
        self.reading = False
        self.next_after = page.next_after
        for row in page.rows:
            self.candidates[row.patient_pk] = row
            self.add_row(*self.cells(row), key=str(row.patient_pk))

    def _not_read(self, event: WorkFailed) -> None:
        self.reading = False
        self.failed(event)

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if self.next_after and not self.reading and event.cursor_row >= self.row_count - 5:
            self._load(self.next_after)

    def cells(self, row: Candidate) -> list[Text]:
        """A row as shown: the tick, "!" and red on what would stop the send (red or not)."""
        mark = ("[x]" if self.ticks.ticked(row.patient_pk) else "[ ]") + ("!" if row.red else "")
        texts = (mark, row.patient_id, row.name, row.cell, row.email)
        shown: list[Text] = []
        for column, (text, (_, width)) in enumerate(zip(texts, COLUMNS, strict=True)):
            wrong = RED_COLUMNS.get(column) in row.red or (column == 0 and bool(row.red))
            shown.append(Text(clip(text, width), style="bold red" if wrong else ""))
        return shown

    def retick(self, pks: list[int] | None = None) -> None:
        """Show the ticks again, of `pks` or of every row read."""
        column = self.ordered_columns[0].key
        for pk in self.candidates if pks is None else pks:
            self.update_cell(str(pk), column, self.cells(self.candidates[pk])[0])

    def highlighted(self) -> Candidate | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.candidates.get(int(key or 0))
