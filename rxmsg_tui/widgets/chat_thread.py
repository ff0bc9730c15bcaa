"""One 2-way Messaging thread as text: `<` from the patient, `>` from the pharmacy, with status.

A reply shows its queue status in brackets (`[Pending]`, `[Sent]`,
`[Sent?]`); a text flagged for staff starts with `!` and says so; a STOP or
other keyword is named. All of it reads without colour.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rxmsg_tui.domain.safe_text import visible
from rxmsg_tui.services.chat import ChatLine, Thread


def line_text(line: ChatLine, zone: ZoneInfo, today: date) -> Text:
    local = line.at.astimezone(zone)
    when = f"{local:%H:%M}" if local.date() == today else f"{local:%m-%d %H:%M}"
    flag = "!" if line.needs_staff else " "
    arrow = "<" if line.direction == "in" else ">"
    body = " / ".join(visible(part) for part in line.body.split("\n"))
    text = Text(f"{flag}{when} {arrow} ", style="bold" if line.unread else "")
    text.append(body)
    if line.keyword:
        text.append(f" [{line.keyword.upper()}]", style="bold")
    if line.needs_staff:
        text.append(" [for staff]", style="bold")
    if line.status:
        warning = f" {line.warning}" if line.warning else ""
        text.append(f" [{line.status}{warning}]", style="italic")
    return text


class ChatThreadView(VerticalScroll):
    """The lines of a thread, oldest first, scrolled to the newest.

    Not focusable: Tab goes from the conversations straight to the message
    field, and the newest lines, the ones to answer, are always in view.
    """

    can_focus = False

    DEFAULT_CSS = """
    ChatThreadView { height: 1fr; }
    ChatThreadView > Static { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="thread-lines")

    def show(self, thread: Thread | None, zone: ZoneInfo, today: date) -> None:
        lines = self.query_one("#thread-lines", Static)
        if thread is None:
            lines.update("Pick a conversation on the left.")
        elif not thread.lines:
            lines.update("No messages yet. Write below and press Ctrl+S to send.")
        else:
            lines.update(Text("\n").join(line_text(line, zone, today) for line in thread.lines))
        self.scroll_end(animate=False)
