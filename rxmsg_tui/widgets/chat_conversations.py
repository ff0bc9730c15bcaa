"""The 2-way Messaging conversation list: newest first, unread counts, marks that need no colour.

`S` marks a number that texted STOP and `!` a text flagged for staff, so the
list reads the same on a monochrome `linux` console as in colour.
"""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rxmsg_tui.services.chat import Conversation

LEGEND = "S stop · ! staff"
NAME_WIDTH = 17


def marks(opted_out: bool, needs_staff: bool) -> str:
    """Two characters: `S` when opted out, `!` when a text waits for staff."""
    return ("S" if opted_out else " ") + ("!" if needs_staff else " ")


def conversation_prompt(conversation: Conversation) -> str:
    unread = f"({conversation.unread})" if conversation.unread else ""
    name = conversation.name[:NAME_WIDTH]
    mark = marks(conversation.opted_out, conversation.needs_staff)
    return f"{mark}{name:<{NAME_WIDTH}} {unread:>4}"


class ConversationList(OptionList):
    """One option per phone number; the option id is the number."""

    def show(self, conversations: list[Conversation], *, keep: str | None) -> None:
        """Replace the options, keeping the highlight on `keep` when it is still listed."""
        self.set_options(Option(conversation_prompt(c), id=c.phone) for c in conversations)
        phones = [c.phone for c in conversations]
        if keep in phones:
            self.highlighted = phones.index(keep)

    @property
    def highlighted_phone(self) -> str | None:
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id
