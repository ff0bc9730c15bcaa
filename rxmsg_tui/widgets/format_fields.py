"""The top of the format editor: Method Type, Alert Type, Language, Group Message, Subject."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Checkbox, Input, Label, Select

from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.services.formats.message_formats import FormatDraft
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox

E = TypeVar("E", bound=Enum)
LANGUAGES = (("English", Language.ENGLISH), ("Spanish", Language.SPANISH))


class FormatFields(Vertical):
    """Three compact lines, so the message and its preview keep most of an 80x24 screen.

    The choices are the legacy drop-downs, never blank: a format always has a
    method, an alert type and a language.
    """

    DEFAULT_CSS = """
    FormatFields {
        height: auto;
    }
    FormatFields > Horizontal {
        height: 1;
        margin-bottom: 0;
    }
    FormatFields Label {
        width: 12;
        text-style: bold;
    }
    FormatFields Label.second {
        width: 11;
        margin-left: 2;
    }
    FormatFields #method {
        width: 17;
    }
    FormatFields #alert {
        width: 27;
    }
    FormatFields #language {
        width: 17;
    }
    FormatFields #group {
        margin-left: 2;
    }
    FormatFields #subject {
        width: 1fr;
    }
    """

    def __init__(self, draft: FormatDraft, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.initial = draft

    def compose(self) -> ComposeResult:
        draft = self.initial
        with Horizontal():
            yield Label("Method Type")
            yield Select(_options(Method), value=draft.method, **_SELECT, id="method")
            yield Label("Alert Type", classes="second")
            yield Select(_options(AlertType), value=draft.alert_type, **_SELECT, id="alert")
        with Horizontal():
            yield Label("Language")
            yield Select(LANGUAGES, value=draft.language, **_SELECT, id="language")
            yield MarkedCheckbox("Group Message", draft.group_message, id="group", compact=True)
        with Horizontal():
            yield Label("Subject")
            # No max_length: Input would cut a pasted subject silently; the editor says
            # at the field that it is too long, and Save refuses it whole.
            yield Input(draft.subject, id="subject", compact=True)
        yield FieldMessage(id="subject-error")

    @property
    def method(self) -> Method:
        return self._chosen("#method", Method, self.initial.method)

    @property
    def alert_type(self) -> AlertType:
        return self._chosen("#alert", AlertType, self.initial.alert_type)

    @property
    def language(self) -> Language:
        return self._chosen("#language", Language, self.initial.language)

    def _chosen(self, selector: str, kind: type[E], initial: E) -> E:
        """The choice on screen; the initial one while the drop-downs are still being built.

        Screens ask (to show or hide keys) as soon as they mount, which can be
        before this widget's children exist.
        """
        try:
            value = self.query_one(selector, Select).value
        except NoMatches:
            return initial
        return value if isinstance(value, kind) else initial

    @property
    def group_message(self) -> bool:
        return self.query_one("#group", Checkbox).value

    @property
    def subject(self) -> Input:
        return self.query_one("#subject", Input)


_SELECT: dict[str, Any] = {"allow_blank": False, "compact": True}


def _options(kind: type[E]) -> list[tuple[str, E]]:
    return [(str(member.value), member) for member in kind]
