"""ListFormScreen: a table of rows with an add/edit form under it, for the setup lists."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static, TextArea

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import Item
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.widgets.field_message import FieldMessage, focus_at
from rxmsg_tui.widgets.row_messages import RowT

FormT = TypeVar("FormT")
"""The form's values as one comparable value, so Esc can tell whether anything changed."""


class ListFormScreen(RxScreen, Generic[RowT, FormT]):
    """The rows in a table; the form below it opens to add or edit one.

    In one place so such lists agree: F3 adds, Enter edits, Esc leaves the form
    (asking if it changed), Delete asks first, a refused field says why under it.
    Subclasses name their widgets and words below, lay out the form, and say how
    a row is read, shown, saved and deleted: in threads, so a slow database never
    freezes the keys.
    """

    # The ids of the table, of the form's container (hidden while closed) and of the status line.
    TABLE: ClassVar[str]
    FORM: ClassVar[str]
    STATUS: ClassVar[str]
    FIRST_FIELD: ClassVar[str]
    """The selector of the field that has the focus when the form opens."""
    COLUMNS: ClassVar[tuple[tuple[str, int], ...]]
    FIELDS: ClassVar[dict[str, str]]
    """FieldError.field -> where that field is typed; its message has the id `<field>-error`."""
    NOUN: ClassVar[str]
    """What one row is called in the status line and the questions ("template")."""
    EMPTY: ClassVar[str]
    """The status line while there are no rows: it says how to add the first."""
    KEEP_EDITING: ClassVar[str] = "Keep"
    """The answer to "Discard the changes?" that goes back to the form."""
    # Actions only the open form offers; actions on the highlighted row (form closed).
    FORM_ACTIONS: ClassVar[frozenset[str]] = frozenset({"save"})
    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset({"delete"})

    def __init__(self, context: AppContext, item: Item) -> None:
        super().__init__(context, item)
        self.rows: dict[int, RowT] = {}
        self.editing: int | None = None
        """The row in the form; None while adding a new one."""
        self.initial: FormT | None = None
        """The form as opened, so Esc asks only about real changes; None while it is closed."""
        self.saving = False
        """A save is on its way, so a second Ctrl+S does not store the row twice."""

    def compose_body(self) -> ComposeResult:
        yield DataTable(id=self.TABLE, cursor_type="row")
        with Vertical(id=self.FORM):
            yield from self.compose_form()
        yield Static("Loading…", id=self.STATUS, markup=False)

    def compose_form(self) -> ComposeResult:
        """The form's fields and its Save and Cancel buttons."""
        raise NotImplementedError

    def list_rows(self) -> list[RowT]:
        """Read the rows (in a worker thread); whatever it raises is shown on the status line."""
        raise NotImplementedError

    def row_cells(self, row: RowT) -> tuple[str, ...]:
        """The row as the table shows it, one text per column of COLUMNS."""
        raise NotImplementedError

    def form_title(self, row: RowT | None) -> str:
        """The form's border title for `row`, or for a new row when None."""
        raise NotImplementedError

    def fill_form(self, row: RowT | None) -> None:
        """Put `row` in the fields, or the values a new row starts with when None."""
        raise NotImplementedError

    def read_form(self) -> FormT:
        raise NotImplementedError

    def save_row(self, form: FormT, row_id: int | None) -> str:
        """Store the form (in a worker thread); returns the note for the status line.

        Raises FieldError for a field staff can fix, ServiceError for the rest.
        """
        raise NotImplementedError

    def delete_row(self, row_id: int) -> str:
        """Delete the row (in a worker thread); returns the note for the status line."""
        raise NotImplementedError

    def delete_question(self, row: RowT) -> str:
        """What Delete asks before it deletes `row` (Textual markup, names escaped)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        table = self.query_one(f"#{self.TABLE}", DataTable)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width)
        self.query_one(f"#{self.FORM}").display = False
        self.load()

    def load(self, note: str = "") -> None:
        """Read the rows off the UI thread; only the app's own thread may change widgets."""
        run_service(
            self,
            self.list_rows,
            partial(self._show_rows, note=note),
            self._not_listed,
            doing=f"listing the {self.NOUN}s",
            group="list-form-read",
        )

    def _not_listed(self, event: WorkFailed) -> None:
        text = f"Cannot list the {self.NOUN}s: {event.text}"
        self.show_status(text)
        self.notify(event.text, title=f"Cannot list the {self.NOUN}s", severity="error")

    def _show_rows(self, rows: list[RowT], *, note: str) -> None:
        table = self.query_one(f"#{self.TABLE}", DataTable)
        keep = table.cursor_row
        table.clear()
        self.rows = {row.id: row for row in rows}
        for row in rows:
            table.add_row(*self.row_cells(row), key=str(row.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
            count = f"{len(rows)} {self.NOUN}{'' if len(rows) == 1 else 's'}"
            self.show_status(f"{note}{count} · Enter edits the highlighted one")
        else:
            self.show_status(f"{note}{self.EMPTY}")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        form_open = self.initial is not None
        if action in self.FORM_ACTIONS:
            return form_open
        if action == "add" or action in self.ROW_ACTIONS:
            return not form_open and (action == "add" or bool(self.rows))
        return super().check_action(action, parameters)

    def highlighted_row(self) -> RowT | None:
        table = self.query_one(f"#{self.TABLE}", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    @on(DataTable.RowSelected)
    def _edit(self) -> None:
        row = self.highlighted_row()
        if row is not None:
            self._open_form(row)

    def action_add(self) -> None:
        self._open_form(None)

    def _open_form(self, row: RowT | None) -> None:
        self.editing = row.id if row else None
        form = self.query_one(f"#{self.FORM}")
        form.border_title = self.form_title(row)
        self.fill_form(row)
        for message in self.query(FieldMessage):
            message.clear()
        self.initial = self.read_form()
        form.display = True
        self.query_one(self.FIRST_FIELD).focus()
        self.refresh_bindings()

    def _close_form(self) -> None:
        self.initial = None
        self.query_one(f"#{self.FORM}").display = False
        self.query_one(f"#{self.TABLE}", DataTable).focus()
        self.refresh_bindings()

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _typed(self, event: Input.Changed | TextArea.Changed) -> None:
        """Typing in a refused field takes its message away: staff are putting it right."""
        typed_in = f"#{event.control.id}"
        for field, selector in self.FIELDS.items():
            if selector == typed_in:
                self.query_one(f"#{field}-error", FieldMessage).clear()

    def action_save(self) -> None:
        if self.initial is None or self.saving:
            return
        self.saving = True
        self.run_change(partial(self.save_row, self.read_form(), self.editing), close_form=True)

    def run_change(self, change: Callable[[], str], *, close_form: bool) -> None:
        """Run a save or delete; the form closes on success only if `close_form`."""
        run_service(
            self,
            change,
            partial(self._changed, close_form=close_form),
            self._refused,
            doing=f"changing the {self.NOUN}s",
            group="list-form-change",
        )

    def _changed(self, note: str, *, close_form: bool) -> None:
        self.saving = False
        if close_form:
            self._close_form()
        self.load(note)

    def _refused(self, event: WorkFailed) -> None:
        self.saving = False
        if event.field in self.FIELDS and self.initial is not None:
            self.query_one(f"#{event.field}-error", FieldMessage).show(event.text)
            focus_at(self.query_one(self.FIELDS[event.field]), event.text)
            return
        self.show_status(f"Not done: {event.text}")
        self.notify(event.text, title="Not done", severity="error")

    def action_delete(self) -> None:
        row = self.highlighted_row()
        if row is None:
            return
        delete = partial(self.delete_row, row.id)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_change(delete, close_form=False)

        dialog = ConfirmDialog(self.delete_question(row), yes="Delete", no="Keep")
        self.app.push_screen(dialog, answered)

    def action_back(self) -> None:
        """Esc closes the form (asking first if it changed), else leaves the screen."""
        if self.initial is None:
            super().action_back()
            return
        if self.read_form() == self.initial:
            self._close_form()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._close_form()

        question = f"Discard the changes to this {self.NOUN}?"
        dialog = ConfirmDialog(question, yes="Discard", no=self.KEEP_EDITING)
        self.app.push_screen(dialog, answered)

    def show_status(self, text: str) -> None:
        self.query_one(f"#{self.STATUS}", Static).update(text)
