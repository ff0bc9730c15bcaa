"""The fields of Alert Settings, in the legacy order, each bound to its DESIGN.md §8 key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from rxmsg_tui.domain.settings_keys import (
    SETTING_KEYS,
    WEEKDAYS,
    SettingError,
    calls_in_use,
    validate,
)
from rxmsg_tui.services.daily.go_live import go_live_line
from rxmsg_tui.widgets.channel_boxes import ChannelBoxes
from rxmsg_tui.widgets.day_list import DayListEditor
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox

Kind = Literal[
    "channels",
    "text_channels",
    "bool",
    "int",
    "trigger",
    "days_after",
    "window",
    "weekdays",
    "time",
]

TRIGGERS = (
    ("Label Print", "label_printed"),
    ("Approved by Insurance", "insurance_approved"),
    ("Verified for Fill", "verified"),
)


@dataclass(frozen=True)
class Field:
    key: str
    kind: Kind

    @property
    def id(self) -> str:
        """The widget id: `alerts.refill.before_days` → `alerts-refill-before_days`."""
        return self.key.replace(".", "-")

    @property
    def label(self) -> str:
        return SETTING_KEYS[self.key].description


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (
        "Refill Reminder",
        (
            Field("alerts.refill.channels", "channels"),
            Field("alerts.refill.when_due", "bool"),
            Field("alerts.refill.when_past_due", "bool"),
            Field("alerts.refill.before_days", "int"),
            Field("alerts.refill.after_days", "int"),
            Field("alerts.refill.non_maintenance", "bool"),
            Field("alerts.control_drugs", "bool"),
            Field("alerts.c2_drugs", "bool"),
        ),
    ),
    (
        "Rx Ready for Pickup",
        (
            Field("alerts.pickup.channels", "channels"),
            Field("alerts.pickup.trigger", "trigger"),
            Field("alerts.pickup.followup_days", "days_after"),
            Field("alerts.pickup_confirmation.channels", "channels"),
        ),
    ),
    (
        "Other Messages",
        (
            Field("alerts.birthday.channels", "channels"),
            Field("alerts.welcome.channels", "channels"),
            Field("alerts.general.channels", "text_channels"),
            Field("alerts.review.channels", "text_channels"),
            Field("alerts.review.resend_after_days", "int"),
        ),
    ),
    (
        "When to Send",
        (
            Field("alerts.only_verified", "bool"),
            Field("alerts.email_sms_window", "window"),
            Field("alerts.call_window", "window"),
            Field("alerts.days", "weekdays"),
            Field("alerts.daily_start", "time"),
        ),
    ),
)
FIELDS = {field.key: field for _, fields in SECTIONS for field in fields}
FIELDS_BY_ID = {field.id: field for field in FIELDS.values()}


class AlertSettingsForm(VerticalScroll):
    """Every Alert Settings field; Tab walks them and the form scrolls to the one focused.

    The form only holds values: the screen loads it, reads it back and
    decides whether it may be edited. Above the fields: the go-live day and
    any greeting the flood guard holds (read-only).
    """

    DEFAULT_CSS = """
    AlertSettingsForm #go-live {
        color: $text-muted;
    }
    AlertSettingsForm #held-notice {
        display: none;
        color: $warning;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._refused: dict[str, Any] = {}
        """Each field shown refused, with the value it was refused for."""

    def compose(self) -> ComposeResult:
        yield Static("", id="go-live", markup=False)
        yield Static("", id="held-notice", markup=False)
        for title, fields in SECTIONS:
            yield Static(title, classes="section-title", markup=False)
            for field in fields:
                yield from self._row(field)
                if field.key == "alerts.c2_drugs":
                    with Horizontal(classes="form-row"):
                        yield Label("Patient defaults", classes="field-label")
                        yield Button(
                            "Patient Default…",
                            id="patient-default",
                            action="screen.patient_defaults",
                            compact=True,
                            tooltip="Message options for new patients, and Update All",
                        )

    def _row(self, field: Field) -> Iterator[Widget]:
        if field.kind == "weekdays":
            yield Label(field.label, classes="field-label wide")
            with Horizontal(classes="form-row weekdays", id=field.id):
                for day in WEEKDAYS:
                    yield MarkedCheckbox(day.title(), compact=True, name=day)
        else:
            grows = " grows" if field.kind == "days_after" else ""
            with Horizontal(classes=f"form-row{grows}"):
                yield Label(field.label, classes="field-label")
                yield _editor(field)
        yield FieldMessage(id=f"{field.id}-error")

    def field_widgets(self) -> Iterator[Widget]:
        for field in FIELDS.values():
            yield self.query_one(f"#{field.id}")

    def load(self, values: dict[str, Any]) -> None:
        for key, field in FIELDS.items():
            _set(self.query_one(f"#{field.id}"), field, values[key])
        self.query_one("#go-live", Static).update(_go_live_line(values))

    def show_holds(self, notices: list[str]) -> None:
        """The greetings the flood guard holds, each with how an admin releases it."""
        notice = self.query_one("#held-notice", Static)
        notice.update("\n".join(notices))
        notice.display = bool(notices)

    def values(self) -> dict[str, Any]:
        """Each key's value as typed; numbers that are not numbers go to the service as text."""
        return {key: _get(self.query_one(f"#{field.id}"), field) for key, field in FIELDS.items()}

    def show_error(self, key: str, text: str) -> Widget | None:
        """Show `text` under the field of `key`; the widget to focus, or None for no such field."""
        field = FIELDS.get(key)
        if field is None:
            return None
        self.query_one(f"#{field.id}-error", FieldMessage).show(text)
        widget = self.query_one(f"#{field.id}")
        self._refused[key] = _get(widget, field)
        return widget

    def clear_errors(self) -> None:
        self._refused.clear()
        for message in self.query(FieldMessage):
            message.clear()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(DayListEditor.Changed)
    def _value_changed(
        self,
        event: Input.Changed | Checkbox.Changed | Select.Changed | DayListEditor.Changed,
    ) -> None:
        """A refused field is checked again as it changes, so its error goes once it is fixed."""
        node: DOMNode | None = event.control
        while node is not None and node is not self:
            field = FIELDS_BY_ID.get(node.id or "")
            if field is not None:
                self._recheck(field)
                return
            node = node.parent

    def _recheck(self, field: Field) -> None:
        if field.key not in self._refused:
            return
        message = self.query_one(f"#{field.id}-error", FieldMessage)
        value = _get(self.query_one(f"#{field.id}"), field)
        try:
            validate(field.key, value)
        except SettingError as exc:  # still wrong, maybe for another reason: say the new one
            message.show(f"{field.label}: {str(exc).partition(': ')[2]}")
            return
        if _refused_for_calls(field.key, self._refused[field.key]) and calls_in_use(
            {field.key: value}
        ):
            return  # the value alone is fine; calls still need a transport Setup lacks
        message.clear()  # still watched until the next save, so a new mistake shows at once


def _refused_for_calls(key: str, refused: Any) -> bool:
    """A value refused though valid on its own: only the calls-need-a-transport rule does that."""
    try:
        validate(key, refused)
    except SettingError:
        return False
    return bool(calls_in_use({key: refused}))


def _go_live_line(values: dict[str, Any]) -> str:
    """Read-only: set by the first patient import (or an admin's `rxmsg settings set`)."""
    day, share = values.get("store.go_live"), values.get("alerts.flood_guard_share", 0.05)
    live = go_live_line(date.fromisoformat(day) if day else None)
    return f"{live}. Greetings to over {share:.0%} of patients (and 100) wait for an admin."


def _editor(field: Field) -> Widget:
    if field.kind in ("channels", "text_channels"):
        text_only = ("email", "sms") if field.kind == "text_channels" else ("email", "sms", "call")
        return ChannelBoxes(channels=text_only, id=field.id)
    if field.kind == "bool":
        return MarkedCheckbox("", compact=True, id=field.id)
    if field.kind == "int":
        return Input(type="integer", max_length=3, compact=True, id=field.id, classes="number")
    if field.kind == "trigger":
        return Select(TRIGGERS, allow_blank=False, compact=True, id=field.id)
    if field.kind == "days_after":
        return DayListEditor(id=field.id)
    if field.kind == "window":
        return Horizontal(
            Input(max_length=5, compact=True, classes="time window-start"),
            Label(" to ", classes="window-to"),
            Input(max_length=5, compact=True, classes="time window-end"),
            id=field.id,
            classes="window",
        )
    return Input(max_length=5, compact=True, id=field.id, classes="time")


def _set(widget: Widget, field: Field, value: Any) -> None:
    if isinstance(widget, ChannelBoxes):
        widget.value = value
    elif isinstance(widget, Checkbox):
        widget.value = bool(value)
    elif isinstance(widget, Select | DayListEditor):
        widget.value = value
    elif isinstance(widget, Input):
        widget.value = str(value)
    elif field.kind == "window":
        start, _, end = str(value).partition("-")
        widget.query_one(".window-start", Input).value = start
        widget.query_one(".window-end", Input).value = end
    elif field.kind == "weekdays":
        for box in widget.query(Checkbox):
            box.value = box.name in value


def _get(widget: Widget, field: Field) -> Any:
    if isinstance(widget, ChannelBoxes | DayListEditor):
        return widget.value
    if isinstance(widget, Checkbox):
        return widget.value
    if isinstance(widget, Select):
        return widget.value
    if isinstance(widget, Input):
        text = widget.value.strip()
        return int(text) if field.kind == "int" and _is_int(text) else text
    if field.kind == "window":
        start = widget.query_one(".window-start", Input).value.strip()
        return f"{start}-{widget.query_one('.window-end', Input).value.strip()}"
    return [box.name for box in widget.query(Checkbox) if box.value]


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
