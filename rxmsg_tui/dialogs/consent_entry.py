"""Record consent: the channel, purpose and source of a consent staff heard given or withdrawn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

CHANNELS = (("SMS", "sms"), ("Email", "email"), ("Outbound Call", "call"))
PURPOSES = (("Transactional", "transactional"), ("Marketing", "marketing"))
ANSWERS = (("Given", "given"), ("Withdrawn", "withdrawn"))
SOURCES = (("In person", "in-person"), ("By phone (verbal)", "verbal"))


@dataclass(frozen=True)
class ConsentChoice:
    channel: str
    purpose: str
    granted: bool
    source: str


class ConsentEntryDialog(ModalScreen[ConsentChoice | None]):
    """Four drop-downs and Record; transactional and marketing consent are recorded apart.

    The patient said it to staff, so the source is in person or by phone: the
    signature pad and STOP texts record their own consent.
    """

    DEFAULT_CSS = """
    ConsentEntryDialog {
        align: center middle;
    }
    ConsentEntryDialog > Vertical {
        width: 52;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    ConsentEntryDialog .row {
        height: 1;
        margin-bottom: 1;
    }
    ConsentEntryDialog .row Label {
        width: 10;
    }
    ConsentEntryDialog Select {
        width: 30;
    }
    ConsentEntryDialog #consent-buttons {
        height: 1;
        align: center middle;
    }
    ConsentEntryDialog Button {
        margin: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "record", "Record", id="consent.record", tooltip="Add to the ledger"),
        Binding("escape", "cancel", "Cancel", id="consent.cancel", tooltip="Record nothing"),
    ]

    def __init__(self, *, granted: bool = True) -> None:
        super().__init__()
        self.granted = granted

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Record Consent"
            yield Static("What did the patient tell you?", classes="row")
            yield from _row("Channel", _select(CHANNELS, "sms", "channel"))
            yield from _row("Purpose", _select(PURPOSES, "transactional", "purpose"))
            answer = "given" if self.granted else "withdrawn"
            yield from _row("Consent", _select(ANSWERS, answer, "answer"))
            yield from _row("How", _select(SOURCES, "in-person", "source"))
            with Horizontal(id="consent-buttons"):
                yield Button("Record ^S", variant="primary", id="record", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#channel", Select).focus()

    @on(Button.Pressed, "#record")
    def action_record(self) -> None:
        self.dismiss(
            ConsentChoice(
                channel=self._value("channel"),
                purpose=self._value("purpose"),
                granted=self._value("answer") == "given",
                source=self._value("source"),
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _value(self, name: str) -> str:
        return str(self.query_one(f"#{name}", Select).value)


def _select(options: tuple[tuple[str, str], ...], value: str, id: str) -> Select[str]:
    return Select(options, value=value, allow_blank=False, compact=True, id=id)


def _row(label: str, select: Select[str]) -> ComposeResult:
    with Horizontal(classes="row"):
        yield Label(label)
        yield select
