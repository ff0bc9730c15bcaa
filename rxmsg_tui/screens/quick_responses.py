"""2-way Message Template: Quick Responses, the canned replies staff pick in text chat."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Static, TextArea

from rxmsg_tui.domain.vocabulary import AlertType
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import QUICK_RESPONSES
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, ServiceError
from rxmsg_tui.services.formats.preview import insertable_variables
from rxmsg_tui.services.formats.quick_responses import (
    QuickResponseRow,
    delete_response,
    list_responses,
    save_response,
)
from rxmsg_tui.widgets.confirm_dialog import ConfirmDialog
from rxmsg_tui.widgets.field_message import FieldMessage, focus_at
from rxmsg_tui.widgets.paged_table import clip
from rxmsg_tui.widgets.variable_picker import VariablePicker

COLUMNS = (("Description", 24), ("Message", 48))
FIELDS = {"description": "#description", "body": "#response-body"}
"""Where each field a save can refuse is typed, by the name `FieldError.field` gives."""
ADD_TIP = "Add New Template: a short description and the message"
VARIABLES_TIP = "Insert a #VARIABLE# such as #PATIENTNAME# at the cursor"
DELETE_TIP = "Delete the highlighted template (asks first)"

ResponseForm = tuple[str, str]


class ResponsesLoaded(Message):
    def __init__(
        self, rows: list[QuickResponseRow], note: str = "", *, saved: bool = False
    ) -> None:
        super().__init__()
        self.rows = rows
        self.note = note
        """What the change that led to this reading did, to show with it."""
        self.saved = saved
        """The form's template was saved: the form closes."""


class ResponseRefused(Message):
    """Refused at a field (`field`), or as a whole (`field` empty)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__()
        self.field = field
        self.text = text


class QuickResponsesScreen(RxScreen):
    """The templates in a table; the form below it opens to add or edit one.

    Two-way chat fills the variables from the patient in the conversation, so
    only the variables every message can use are offered (those of General).
    """

    CSS_PATH = "../styles/quick_responses.tcss"
    AUTO_FOCUS = "#responses"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3,a", "add", "Add New Template", id="responses.add", tooltip=ADD_TIP),
        Binding("delete,d", "delete", "Delete", id="responses.delete", tooltip=DELETE_TIP),
        Binding("f2", "variables", "Variables", id="responses.variables", tooltip=VARIABLES_TIP),
        Binding("ctrl+s", "save", "Save", id="responses.save", tooltip="Save the template"),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, QUICK_RESPONSES)
        self.rows: dict[int, QuickResponseRow] = {}
        self.editing: int | None = None
        """The template in the form; None while adding a new one."""
        self.initial: ResponseForm | None = None
        """The form as opened, so Esc asks only about real changes; None while it is closed."""
        self.saving = False

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="responses", cursor_type="row")
        with Vertical(id="response-form"):
            with Horizontal(classes="form-row"):
                yield Label("Description", classes="field-label")
                yield Input(id="description", max_length=80, compact=True)
            yield FieldMessage(id="description-error")
            yield TextArea(id="response-body", soft_wrap=True, compact=True)
            yield FieldMessage(id="body-error")
            with Horizontal(classes="form-row", id="response-buttons"):
                yield Button("Save", action="screen.save", id="response-save", compact=True)
                yield Button("Cancel", action="screen.back", id="response-cancel", compact=True)
        yield Static("Loading…", id="responses-status", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#responses", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.query_one("#response-form").display = False
        self.query_one("#response-body").border_title = "Message"
        self._load()

    @work(thread=True, exclusive=True, group="responses-list")
    def _load(self, note: str = "") -> None:
        try:
            rows = list_responses(self.context.db, self.context.actor.store_id)
        except ServiceError as exc:
            self.post_message(ResponseRefused("", f"cannot list the templates: {exc}"))
            return
        self.post_message(ResponsesLoaded(rows, note))

    def on_responses_loaded(self, event: ResponsesLoaded) -> None:
        if event.saved:
            self.saving = False
            self._close_form()
        table = self.query_one("#responses", DataTable)
        keep = table.cursor_row
        table.clear()
        self.rows = {row.id: row for row in event.rows}
        for row in event.rows:
            message = " ".join(row.body.split())
            table.add_row(clip(row.description, 24), clip(message, 48), key=str(row.id))
        if event.rows:
            table.move_cursor(row=min(keep, len(event.rows) - 1))
            count = f"{len(event.rows)} template{'' if len(event.rows) == 1 else 's'}"
            self._status(f"{event.note}{count} · Enter edits the highlighted one")
        else:
            self._status(f"{event.note}No templates yet. Press F3 (Add New Template).")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        form_open = self.initial is not None
        if action in ("save", "variables"):
            return form_open
        if action in ("add", "delete"):
            return not form_open and (action == "add" or bool(self.rows))
        return super().check_action(action, parameters)

    def _highlighted(self) -> QuickResponseRow | None:
        table = self.query_one("#responses", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    @on(DataTable.RowSelected, "#responses")
    def _edit(self) -> None:
        row = self._highlighted()
        if row is not None:
            self._open_form(row)

    def action_add(self) -> None:
        self._open_form(None)

    def _open_form(self, row: QuickResponseRow | None) -> None:
        self.editing = row.id if row else None
        form = self.query_one("#response-form")
        form.border_title = "Edit Template" if row else "Add New Template"
        self.query_one("#description", Input).value = row.description if row else ""
        self.query_one("#response-body", TextArea).load_text(row.body if row else "")
        for message in self.query(FieldMessage):
            message.clear()
        self.initial = self._form()
        form.display = True
        self.query_one("#description", Input).focus()
        self.refresh_bindings()

    def _close_form(self) -> None:
        self.initial = None
        self.query_one("#response-form").display = False
        self.query_one("#responses", DataTable).focus()
        self.refresh_bindings()

    def _form(self) -> ResponseForm:
        description = self.query_one("#description", Input).value
        return description, self.query_one("#response-body", TextArea).text

    @on(Input.Submitted, "#description")
    def _next_field(self) -> None:
        self.query_one("#response-body", TextArea).focus()

    @on(Input.Changed, "#description")
    @on(TextArea.Changed, "#response-body")
    def _typed(self, event: Input.Changed | TextArea.Changed) -> None:
        field = "description" if isinstance(event, Input.Changed) else "body"
        self.query_one(f"#{field}-error", FieldMessage).clear()

    def action_variables(self) -> None:
        def chosen(token: str | None) -> None:
            if token is not None:
                body = self.query_one("#response-body", TextArea)
                body.replace(token, *body.selection)
                body.focus()

        variables = insertable_variables(AlertType.GENERAL)
        self.app.push_screen(VariablePicker(variables, title="Variables"), chosen)

    def action_save(self) -> None:
        if self.initial is None or self.saving:
            return
        self.saving = True
        self._save(self._form(), self.editing)

    @work(thread=True, exclusive=True, group="responses-save")
    def _save(self, form: ResponseForm, response_id: int | None) -> None:
        ctx, (description, body) = self.context, form
        try:
            row = save_response(
                ctx.db,
                ctx.actor,
                description=description,
                body=body,
                response_id=response_id,
                now=ctx.clock.now(),
            )
        except FieldError as exc:
            self.post_message(ResponseRefused(exc.field, str(exc)))
            return
        except ServiceError as exc:
            self.post_message(ResponseRefused("", str(exc)))
            return
        rows = list_responses(ctx.db, ctx.actor.store_id)
        self.post_message(ResponsesLoaded(rows, f"Saved “{row.description}”. ", saved=True))

    def on_response_refused(self, event: ResponseRefused) -> None:
        self.saving = False
        if event.field in FIELDS and self.initial is not None:
            self.query_one(f"#{event.field}-error", FieldMessage).show(event.text)
            focus_at(self.query_one(FIELDS[event.field]), event.text)
            return
        self._status(f"Not done: {event.text}")
        self.notify(event.text, title="Not done", severity="error")

    def action_delete(self) -> None:
        row = self._highlighted()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(row.id)

        question = f"Delete the quick response “{escape(row.description)}”?"
        self.app.push_screen(ConfirmDialog(question, yes="Delete", no="Keep"), answered)

    @work(thread=True, exclusive=True, group="responses-save")
    def _delete(self, response_id: int) -> None:
        ctx = self.context
        try:
            delete_response(ctx.db, ctx.actor, response_id, now=ctx.clock.now())
        except ServiceError as exc:
            self.post_message(ResponseRefused("", str(exc)))
            return
        self.post_message(ResponsesLoaded(list_responses(ctx.db, ctx.actor.store_id), "Deleted. "))

    def action_back(self) -> None:
        """Esc closes the form (asking first if it changed), else leaves the screen."""
        if self.initial is None:
            super().action_back()
            return
        if self._form() == self.initial:
            self._close_form()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._close_form()

        dialog = ConfirmDialog("Discard the changes to this template?", yes="Discard", no="Keep")
        self.app.push_screen(dialog, answered)

    def _status(self, text: str) -> None:
        self.query_one("#responses-status", Static).update(text)
