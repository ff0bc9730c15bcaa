"""Outbound Messaging Format: the formats, filtered by Method Type, Alert Type and Subject."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import MESSAGE_FORMAT
from rxmsg_tui.screens.message_format_edit import FormatEditorScreen
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.message_formats import (
    FormatRow,
    delete_format,
    list_formats_in_use,
)
from rxmsg_tui.services.support import setup_refusal
from rxmsg_tui.widgets.paged_table import clip

FILTER_PAUSE = 0.3
"""Seconds of no typing in the Subject filter before the list is read again."""

LANGUAGE_NAMES = {Language.ENGLISH: "English", Language.SPANISH: "Spanish"}
COLUMNS = (("Method", 13), ("Alert Type", 22), ("Language", 8), ("Kind", 7), ("Subject", 15))
"""Kind says "Group" for a group message and "Default" for a built-in default in use."""


class MessageFormatScreen(RxScreen):
    """The legacy report screen: filters on top, the matching formats below.

    Enter edits the highlighted format and F3 is "Add New Format"; both open
    the editor, and the list is read again when staff come back from it.
    Built-in defaults still in use are listed too, marked Default: Enter on
    one starts the store's own format from it. A technician reads the
    formats (Enter opens one read-only) and is told so on opening.
    """

    CSS_PATH = "../styles/message_format.tcss"
    AUTO_FOCUS = "#formats"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f3,a",
            "add",
            "Add New Format",
            id="format.add",
            tooltip="Create a format: method, alert type, language, subject and message",
        ),
        Binding(
            "delete,d",
            "delete",
            "Delete",
            id="format.delete",
            tooltip="Delete the highlighted format (asks first)",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="format.filter",
            tooltip="Filter by Method Type, Alert Type and Subject",
        ),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, MESSAGE_FORMAT)
        self.generation = 0
        self.rows: dict[str, FormatRow] = {}
        self._pause: Timer | None = None
        self.read_only = setup_refusal(context.actor)
        """Why this user may not change formats, said on opening and at F3/Del; None if they may."""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="filters"):
            with Horizontal(classes="filter-row"):
                yield Label("Method Type", classes="field-label")
                yield Select(_options(Method), prompt="All", id="filter-method", compact=True)
                yield Label("Alert Type", classes="field-label", id="filter-alert-label")
                yield Select(_options(AlertType), prompt="All", id="filter-alert", compact=True)
            with Horizontal(classes="filter-row"):
                yield Label("Subject", classes="field-label")
                yield Input(
                    placeholder="any subject containing…", id="filter-subject", compact=True
                )
        yield DataTable(id="formats", cursor_type="row")
        yield Static("Loading…", id="formats-status")

    def on_mount(self) -> None:
        table = self.query_one("#formats", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        if self.read_only is not None:
            self.show_status(self.read_only)
        self.reload()

    def on_screen_resume(self) -> None:
        # Back from the editor: what was saved there must show here.
        if self.is_mounted and self.generation:
            self.reload()

    @on(Select.Changed)
    def _filter_chosen(self) -> None:
        self.reload()

    @on(Input.Changed, "#filter-subject")
    def _subject_typed(self) -> None:
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(FILTER_PAUSE, self.reload)

    @on(Input.Submitted, "#filter-subject")
    def _subject_entered(self) -> None:
        self.reload()
        self.query_one("#formats", DataTable).focus()

    def reload(self) -> None:
        """Read the list again for the filters on screen; older answers are dropped."""
        if self._pause is not None:
            self._pause.stop()
            self._pause = None
        self.generation += 1
        method = self.query_one("#filter-method", Select).value
        alert = self.query_one("#filter-alert", Select).value
        self._load(
            self.generation,
            method if isinstance(method, Method) else None,
            alert if isinstance(alert, AlertType) else None,
            self.query_one("#filter-subject", Input).value,
        )

    def _load(
        self, generation: int, method: Method | None, alert: AlertType | None, subject: str
    ) -> None:
        read = partial(
            list_formats_in_use,
            self.context.db,
            self.context.actor.store_id,
            method=method,
            alert_type=alert,
            subject=subject,
        )
        run_service(
            self,
            read,
            partial(self._show_rows, generation),
            partial(self._failed, "Cannot list the formats"),
            doing="listing the formats",
            group="format-list",
        )

    def _show_rows(self, generation: int, rows: list[FormatRow]) -> None:
        if generation != self.generation:
            return
        table = self.query_one("#formats", DataTable)
        keep = table.cursor_row
        table.clear()
        self.rows = {_key(row): row for row in rows}
        for key, row in self.rows.items():
            cells = (
                row.method.value,
                row.alert_type.value,
                LANGUAGE_NAMES.get(row.language, row.language.value),
                "Default" if row.is_default else "Group" if row.group_message else "",
                row.subject,
            )
            table.add_row(*(clip(c, w) for c, (_, w) in zip(cells, COLUMNS, strict=True)), key=key)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self._show_status()

    def _failed(self, doing: str, event: WorkFailed) -> None:
        self.show_status(f"{doing}: {event.text}")
        self.notify(event.text, title=doing, severity="error")

    def _show_status(self) -> None:
        if self.read_only is not None:
            self.show_status(self.read_only)
            return
        count = len(self.rows)
        filtered = any(
            (
                not self.query_one("#filter-method", Select).is_blank(),
                not self.query_one("#filter-alert", Select).is_blank(),
                self.query_one("#filter-subject", Input).value.strip(),
            )
        )
        defaults = sum(row.is_default for row in self.rows.values())
        if count:
            own = count - defaults
            noun = "format" if own == 1 else "formats"
            in_use = (
                f" + {defaults} default{'s' if defaults != 1 else ''} in use" if defaults else ""
            )
            self.show_status(f"{own} {noun}{in_use} · Enter edits · F3 adds · Del deletes")
        elif filtered:
            self.show_status("No format matches these filters. F3 adds one.")
        else:
            self.show_status("No formats yet. Press F3 (Add New Format) to create the first one.")

    def show_status(self, text: str) -> None:
        self.query_one("#formats-status", Static).update(text)

    def _highlighted(self) -> FormatRow | None:
        table = self.query_one("#formats", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key) if key is not None else None

    @on(DataTable.RowSelected, "#formats")
    def _edit(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        row = self.rows.get(key) if key is not None else None
        if row is not None:
            self.app.push_screen(FormatEditorScreen(self.context, row))

    def action_add(self) -> None:
        if self.refused_read_only():
            return
        self.app.push_screen(FormatEditorScreen(self.context, None))

    def action_filter(self) -> None:
        self.query_one("#filter-method", Select).focus()

    def action_delete(self) -> None:
        if self.refused_read_only():
            return
        row = self._highlighted()
        if row is None:
            self.show_status("There is no format to delete.")
            return
        if row.is_default:
            self.show_status("A default cannot be deleted; Enter makes the store's own from it.")
            return
        subject = escape(row.subject)
        question = f"Delete the {row.method.value} {row.alert_type.value} format “{subject}”?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(row.id)

        self.app.push_screen(ConfirmDialog(question, yes="Delete", no="Keep"), answered)

    def _delete(self, format_id: int) -> None:
        ctx = self.context
        run_service(
            self,
            partial(delete_format, ctx.db, ctx.actor, format_id, now=ctx.clock.now()),
            lambda _: self.reload(),
            partial(self._failed, "Not deleted"),
            doing="deleting a format",
            group="format-delete",
        )


def _key(row: FormatRow) -> str:
    """Saved formats by id; a default by what it is for (it has no id)."""
    if row.is_default:
        return f"default:{row.alert_type.name}:{row.method.name}:{row.language.value}"
    return str(row.id)


def _options(kind: type[Method] | type[AlertType]) -> list[tuple[str, Method | AlertType]]:
    return [(member.value, member) for member in kind]
