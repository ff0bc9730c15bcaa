"""Two-way text chat (2-way Messaging, `rxmsg chat`): threads by phone number and replies."""

from rxmsg_tui.services.chat.send import ChatSent, quick_response_text, send_chat
from rxmsg_tui.services.chat.threads import (
    ChatLine,
    ChatMark,
    ChatPatient,
    Conversation,
    Thread,
    chat_mark,
    find_thread,
    list_conversations,
    mark_read,
    read_thread,
)

__all__ = [
    "ChatLine",
    "ChatMark",
    "ChatPatient",
    "ChatSent",
    "Conversation",
    "Thread",
    "chat_mark",
    "find_thread",
    "list_conversations",
    "mark_read",
    "quick_response_text",
    "read_thread",
    "send_chat",
]
