"""Step 2 of Send Email/SMS: the email and the text message, from scratch or previously sent.

Each problem `check_message` finds is shown under its own field, so staff
fix the restricted word or the unknown variable where they typed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from rxmsg_tui.domain.sms_length import measure
from rxmsg_tui.services.group_send import PreviousMessage
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox

FIELDS = ("methods", "email_subject", "email_body", "sms_subject", "sms_body")


@dataclass(frozen=True)
class Typed:
    """The message as typed in step 2, with the templates to save once it is queued."""

    email_subject: str
    email_body: str
    sms_subject: str
    sms_body: str
    save_email: bool
    save_sms: bool


class MessageStep(VerticalScroll):
    """The Email part above the SMS part; a part is hidden when its method is not ticked."""

    def __init__(self) -> None:
        super().__init__(id="step-message")
        self.previous: dict[str, list[PreviousMessage]] = {"email": [], "sms": []}

    def compose(self) -> ComposeResult:
        yield Static("", id="problem-methods", classes="problem")
        with Vertical(id="email-part"):
            yield Select[int](
                [], prompt="Select Previously Sent Email", id="prev-email", compact=True
            )
            with Horizontal(classes="field-line"):
                yield Label("Email Subject ")
                yield Input(id="email-subject", compact=True)
            yield Static("", id="problem-email_subject", classes="problem")
            yield Label("Message")
            yield TextArea(id="email-body", compact=True)
            yield Static("", id="problem-email_body", classes="problem")
            yield MarkedCheckbox("Save this Email", id="save-email", compact=True)
        with Vertical(id="sms-part"):
            yield Select[int]([], prompt="Select Previously Sent SMS", id="prev-sms", compact=True)
            with Horizontal(classes="field-line"):
                yield Label("Subject (not sent) ")
                yield Input(placeholder="the template's name", id="sms-subject", compact=True)
            yield Static("", id="problem-sms_subject", classes="problem")
            yield Label("Text Message")
            yield TextArea(id="sms-body", compact=True)
            yield Static("0 chars, GSM-7, 0 segments", id="sms-length")
            yield Static("", id="problem-sms_body", classes="problem")
            yield MarkedCheckbox("Save this Text Message", id="save-sms", compact=True)

    def show_methods(self, email: bool, sms: bool) -> None:
        self.query_one("#email-part").display = email
        self.query_one("#sms-part").display = sms

    def show_previous(self, channel: str, messages: list[PreviousMessage]) -> None:
        """Saved templates on top, then the recent group messages (as the service orders them)."""
        self.previous[channel] = messages
        options = [(_label(m), index) for index, m in enumerate(messages)]
        self.query_one(f"#prev-{channel}", Select).set_options(options)

    @on(Select.Changed, "#prev-email, #prev-sms")
    def _previous_chosen(self, event: Select.Changed) -> None:
        channel = "email" if event.select.id == "prev-email" else "sms"
        if not isinstance(event.value, int):
            return
        chosen = self.previous[channel][event.value]
        self.query_one(f"#{channel}-subject", Input).value = chosen.subject
        self.query_one(f"#{channel}-body", TextArea).text = chosen.body

    @on(TextArea.Changed, "#sms-body")
    def _sms_changed(self, event: TextArea.Changed) -> None:
        self.query_one("#sms-length", Static).update(measure(event.text_area.text).summary())

    def typed(self) -> Typed:
        return Typed(
            email_subject=self.query_one("#email-subject", Input).value,
            email_body=self.query_one("#email-body", TextArea).text,
            sms_subject=self.query_one("#sms-subject", Input).value,
            sms_body=self.query_one("#sms-body", TextArea).text,
            save_email=self.query_one("#save-email", MarkedCheckbox).value,
            save_sms=self.query_one("#save-sms", MarkedCheckbox).value,
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each field's problem under it (cleared where none); focus goes to the first."""
        for field in FIELDS:
            self.query_one(f"#problem-{field}", Static).update(problems.get(field, ""))
        first = next((field for field in FIELDS if field in problems), None)
        if first is not None and first != "methods":
            self.query_one(f"#{first.replace('_', '-')}").focus()

    def field_for_variable(self) -> Input | TextArea:
        """Where a #VARIABLE# goes: the field in focus, or the first body on show."""
        focused = self.app.focused
        if isinstance(focused, Input | TextArea) and focused in self.query("Input, TextArea"):
            return focused
        email = bool(self.query_one("#email-part").display)
        return self.query_one("#email-body" if email else "#sms-body", TextArea)


def _label(message: PreviousMessage) -> str:
    mark = "★ " if message.saved else ""
    return f"{mark}{message.label}"
