"""2-way Message Template: Quick Responses, the canned replies staff pick in text chat."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Button, Input, Label, TextArea

from rxmsg_tui.domain.vocabulary import AlertType
from rxmsg_tui.screens.catalogue import QUICK_RESPONSES
from rxmsg_tui.screens.list_form import ListFormScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.preview import insertable_variables
from rxmsg_tui.services.formats.quick_responses import (
    QuickResponseRow,
    delete_response,
    list_responses,
    save_response,
)
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.paged_table import clip
from rxmsg_tui.widgets.variable_picker import VariablePicker

ADD_TIP = "Add New Template: a short description and the message"
VARIABLES_TIP = "Insert a #VARIABLE# such as #PATIENTNAME# at the cursor"
DELETE_TIP = "Delete the highlighted template (asks first)"

ResponseForm = tuple[str, str]
"""Description and message, as the form holds them."""


class TwoWayMessageTemplateScreen(ListFormScreen[QuickResponseRow, ResponseForm]):
    """The templates in a table; the form below it opens to add or edit one.

    Two-way chat fills the variables from the patient in the conversation, so
    only the variables every message can use are offered (those of General).
    """

    CSS_PATH = "../styles/two_way_message_template.tcss"
    AUTO_FOCUS = "#responses"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3,a", "add", "Add New Template", id="responses.add", tooltip=ADD_TIP),
        Binding("delete,d", "delete", "Delete", id="responses.delete", tooltip=DELETE_TIP),
        Binding("f2", "variables", "Variables", id="responses.variables", tooltip=VARIABLES_TIP),
        Binding("ctrl+s", "save", "Save", id="responses.save", tooltip="Save the template"),
    ]
    TABLE, FORM, STATUS = "responses", "response-form", "responses-status"
    FIRST_FIELD = "#description"
    COLUMNS = (("Description", 24), ("Message", 48))
    FIELDS: ClassVar[dict[str, str]] = {"description": "#description", "body": "#response-body"}
    NOUN = "template"
    EMPTY = "No templates yet. Press F3 (Add New Template)."
    FORM_ACTIONS = frozenset({"save", "variables"})

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, QUICK_RESPONSES)

    def compose_form(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label("Description", classes="field-label")
            yield Input(id="description", max_length=80, compact=True)
        yield FieldMessage(id="description-error")
        body = TextArea(id="response-body", soft_wrap=True, compact=True)
        body.border_title = "Message"
        yield body
        yield FieldMessage(id="body-error")
        with Horizontal(classes="form-row", id="response-buttons"):
            yield Button("Save", action="screen.save", id="response-save", compact=True)
            yield Button("Cancel", action="screen.back", id="response-cancel", compact=True)

    def list_rows(self) -> list[QuickResponseRow]:
        return list_responses(self.context.db, self.context.actor.store_id)

    def row_cells(self, row: QuickResponseRow) -> tuple[str, ...]:
        # One line per template in the table: the message's line breaks become spaces.
        return clip(row.description, 24), clip(" ".join(row.body.split()), 48)

    def form_title(self, row: QuickResponseRow | None) -> str:
        return "Edit Template" if row else "Add New Template"

    def fill_form(self, row: QuickResponseRow | None) -> None:
        self.query_one("#description", Input).value = row.description if row else ""
        self.query_one("#response-body", TextArea).load_text(row.body if row else "")

    def read_form(self) -> ResponseForm:
        description = self.query_one("#description", Input).value
        return description, self.query_one("#response-body", TextArea).text

    def save_row(self, form: ResponseForm, row_id: int | None) -> str:
        ctx, (description, body) = self.context, form
        row = save_response(
            ctx.db,
            ctx.actor,
            description=description,
            body=body,
            response_id=row_id,
            now=ctx.clock.now(),
        )
        return f"Saved “{row.description}”. "

    def delete_row(self, row_id: int) -> str:
        delete_response(self.context.db, self.context.actor, row_id, now=self.context.clock.now())
        return "Deleted. "

    def delete_question(self, row: QuickResponseRow) -> str:
        return f"Delete the quick response “{escape(row.description)}”?"

    @on(Input.Submitted, "#description")
    def _next_field(self) -> None:
        self.query_one("#response-body", TextArea).focus()

    def action_variables(self) -> None:
        def chosen(token: str | None) -> None:
            if token is not None:
                body = self.query_one("#response-body", TextArea)
                body.replace(token, *body.selection)
                body.focus()

        variables = insertable_variables(AlertType.GENERAL)
        self.app.push_screen(VariablePicker(variables, title="Variables"), chosen)
