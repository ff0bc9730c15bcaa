"""2-way Messaging: text chat with patients, with the Quick Responses under the message field.

Left, the conversations newest first (unread counts, `S` opted out, `!` for
staff); right, the thread, the message field and the Quick Responses drop-down
(a choice fills the field for the patient, editable before Ctrl+S sends it).
New texts appear by themselves: every two seconds a worker asks the database
for its newest line (one index lookup) and reads the list again only when it
changed. A reply that may not go (STOP, restricted word, no consent) is
refused by the service with its reason, and nothing is queued.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Select, Static

from rxmsg_tui.domain.sms_length import measure
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import TWO_WAY_MESSAGING
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.chat import (
    ChatMark,
    ChatPatient,
    ChatSent,
    Conversation,
    Thread,
    chat_mark,
    find_thread,
    list_conversations,
    mark_read,
    quick_response_text,
    read_thread,
    send_chat,
)
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.quick_responses import QuickResponseRow, list_responses
from rxmsg_tui.widgets.app_events import QueueChanged
from rxmsg_tui.widgets.chat_conversations import LEGEND, ConversationList, marks
from rxmsg_tui.widgets.chat_thread import ChatThreadView

HIPAA_NOTICE = "Messages sent through two-way chat are not HIPAA compliant."
POLL_SECONDS = 2.0
LIST_EVERY = 15
"""Polls between full re-reads of the list (read marks set at another terminal)."""

Loaded = tuple[list[QuickResponseRow], list[Conversation], ChatMark, str | None]
Polled = tuple[ChatMark, list[Conversation] | None, Thread | None]


class TwoWayMessagingScreen(RxScreen):
    """Opened from the menu on the newest conversation, or from a Patient Profile on theirs."""

    CSS_PATH = "../styles/two_way_messaging.tcss"
    AUTO_FOCUS = "#conversations"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "send", "Send", id="chat.send", tooltip="Send the message (High priority)"
        ),
        Binding(
            "f4",
            "next_patient",
            "Household",
            id="chat.household",
            tooltip="Reply to the next patient who shares this number",
        ),
        Binding("f5", "refresh", "Refresh", id="chat.refresh", tooltip="Read the texts again now"),
    ]

    def __init__(self, context: AppContext, *, patient_id: str | None = None) -> None:
        super().__init__(context, TWO_WAY_MESSAGING)
        self.wanted_patient = patient_id
        """The patient the Profile opened this for: their thread, and replies go to them."""
        self.phone: str | None = None
        self.thread: Thread | None = None
        self.to: ChatPatient | None = None
        self.mark: ChatMark = None
        self.ticks = 0

    def compose_body(self) -> ComposeResult:
        yield Static(HIPAA_NOTICE, id="hipaa-notice")
        with Horizontal(id="chat-panes"):
            conversations = ConversationList(id="conversations")
            conversations.border_title = "Conversations"
            conversations.border_subtitle = LEGEND
            yield conversations
            with Vertical(id="thread-pane"):
                yield Static("", id="thread-title", markup=False)
                yield ChatThreadView(id="thread")
                yield Input(
                    placeholder="Message (Ctrl+S sends)",
                    id="compose",
                    compact=True,
                    select_on_focus=False,
                )
                yield Select[int]([], prompt="Quick Responses", id="quick", compact=True)
                yield Static("", id="chat-length")
                yield Static("", id="chat-status", markup=False)

    def on_mount(self) -> None:
        self._load()
        self.set_interval(POLL_SECONDS, self._poll)

    def _load(self) -> None:
        ctx, wanted = self.context, self.wanted_patient

        def read() -> Loaded:
            store_id = ctx.actor.store_id
            phone = find_thread(ctx.db, store_id, wanted) if wanted else None
            responses = list_responses(ctx.db, store_id)
            return (
                responses,
                list_conversations(ctx.db, store_id),
                chat_mark(ctx.db, store_id),
                phone,
            )

        run_service(
            self, read, self._loaded, self._not_read, doing="reading texts", group="chat-load"
        )

    def _loaded(self, loaded: Loaded) -> None:
        responses, conversations, self.mark, phone = loaded
        self.query_one("#quick", Select).set_options((r.description, r.id) for r in responses)
        listed = self.query_one(ConversationList)
        listed.show(conversations, keep=phone)
        if phone is None and conversations:
            phone = conversations[0].phone
            listed.highlighted = 0
        self._show_status("" if conversations or phone else "No conversations yet.")
        if phone is not None:
            self._open(phone)
        else:
            self.query_one(ChatThreadView).show(None, self.context.store_zone, self._today())

    def _not_read(self, event: WorkFailed) -> None:
        self._show_status(f"Cannot read the texts: {event.text}", refused=True)

    @on(OptionList.OptionHighlighted, "#conversations")
    def _conversation_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None and event.option.id != self.phone:
            self._open(event.option.id)

    def _open(self, phone: str) -> None:
        """Show the thread and mark it read: what is on screen has been seen."""
        self.phone = phone
        ctx = self.context

        def read() -> tuple[Thread, list[Conversation] | None]:
            store_id = ctx.actor.store_id
            thread = read_thread(ctx.db, store_id, phone)
            if not any(line.unread for line in thread.lines):
                return thread, None  # the list is as it was: no need to read it again
            mark_read(ctx.db, store_id, phone, now=ctx.clock.now())
            return thread, list_conversations(ctx.db, store_id)

        run_service(
            self,
            read,
            lambda found: self._opened(*found),
            self._not_read,
            doing="reading a text thread",
            group="chat-thread",
        )

    def _opened(self, thread: Thread, conversations: list[Conversation] | None) -> None:
        if conversations is not None:
            self.query_one(ConversationList).show(conversations, keep=self.phone)
        self._show_thread(thread)

    def _show_thread(self, thread: Thread) -> None:
        if thread.phone != self.phone:
            return  # an answer about a thread staff have left
        self.thread = thread
        self.to = self._recipient(thread)
        self.query_one(ChatThreadView).show(thread, self.context.store_zone, self._today())
        self._show_title()

    def _recipient(self, thread: Thread) -> ChatPatient | None:
        """The patient chosen (marks refreshed), else the one asked for, else the first."""
        by_id = {p.patient_id: p for p in thread.patients}
        for wanted in (self.to.patient_id if self.to else None, self.wanted_patient):
            if wanted in by_id:
                return by_id[wanted]
        return thread.patients[0] if thread.patients else None

    def _show_title(self) -> None:
        title = self.query_one("#thread-title", Static)
        thread, to = self.thread, self.to
        if thread is None:
            return
        if to is None:
            text = f"  Unknown sender · {thread.phone}"
        else:
            household = len(thread.patients)
            which = (
                f" (F4: {thread.patients.index(to) + 1} of {household})" if household > 1 else ""
            )
            text = (
                f"{marks(to.opted_out, thread.needs_staff)}To: {to.name} ({to.patient_id}){which}"
            )
            text += f" · {thread.phone}"
            if to.opted_out:
                text += " · OPTED OUT: texted STOP"
        title.update(text)
        title.set_class(bool(to and to.opted_out), "-opted-out")

    def _poll(self) -> None:
        if not self.is_current:
            return
        self.ticks += 1
        ctx, known, phone = self.context, self.mark, self.phone
        everything = self.ticks % LIST_EVERY == 0

        def read() -> Polled:
            store_id = ctx.actor.store_id
            mark = chat_mark(ctx.db, store_id)
            changed = mark != known or everything
            thread = read_thread(ctx.db, store_id, phone) if phone else None
            if thread is not None and any(line.unread for line in thread.lines):
                mark_read(ctx.db, store_id, thread.phone, now=ctx.clock.now())
                changed = True
            return mark, list_conversations(ctx.db, store_id) if changed else None, thread

        run_service(
            self, read, self._polled, self._not_read, doing="reading new texts", group="chat-poll"
        )

    def _polled(self, polled: Polled) -> None:
        self.mark, conversations, thread = polled
        if conversations is not None:
            self.query_one(ConversationList).show(conversations, keep=self.phone)
        if thread is not None:
            self._show_thread(thread)

    def on_queue_changed(self, _event: QueueChanged) -> None:
        """A dispatch ran: the replies' statuses may have moved on."""
        if self.phone is not None:
            self._open(self.phone)

    @on(Select.Changed, "#quick")
    def _quick_chosen(self, event: Select.Changed) -> None:
        if not isinstance(event.value, int):
            return
        if self.to is None:
            self._show_status("Pick a conversation with a patient first.", refused=True)
            return
        ctx, patient_id, response_id = self.context, self.to.patient_id, event.value

        def fill() -> str:
            return quick_response_text(ctx, patient_id=patient_id, response_id=response_id)

        run_service(
            self,
            fill,
            self._filled,
            self._not_filled,
            doing="filling a quick response",
            group="chat-quick",
        )

    def _filled(self, text: str) -> None:
        compose = self.query_one("#compose", Input)
        compose.value = text
        compose.focus()
        compose.cursor_position = len(text)

    def _not_filled(self, event: WorkFailed) -> None:
        self._show_status(f"Quick Response not filled in: {event.text}", refused=True)

    @on(Input.Changed, "#compose")
    def _count(self, event: Input.Changed) -> None:
        text = self.query_one("#chat-length", Static)
        text.update(measure(event.value).summary() if event.value else "")

    @on(Input.Submitted, "#compose")
    def _submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        compose = self.query_one("#compose", Input)
        if self.to is None:
            reason = (
                "pick a conversation first"
                if self.thread is None
                else "this number matches no patient"
            )
            self._show_status(f"Not sent: {reason}.", refused=True)
            return
        ctx, patient_id, text = self.context, self.to.patient_id, compose.value
        self._show_status("Sending…")

        def send() -> ChatSent:
            return send_chat(ctx, patient_id=patient_id, text=text)

        run_service(
            self, send, self._sent, self._not_sent, doing="sending a chat reply", group="chat-send"
        )

    def _sent(self, sent: ChatSent) -> None:
        self.query_one("#compose", Input).value = ""
        self._show_status(f"Queued: message {sent.message_id}, {sent.status.label}, High priority.")
        self.app.post_message(QueueChanged())
        if self.phone is not None:
            self._open(self.phone)

    def _not_sent(self, event: WorkFailed) -> None:
        reason = event.text
        if not reason.lower().startswith("not sent"):
            reason = f"Not sent: {reason}"
        self._show_status(reason[:1].upper() + reason[1:], refused=True)
        self.query_one("#compose", Input).focus()

    def action_next_patient(self) -> None:
        thread = self.thread
        if thread is None or self.to is None or len(thread.patients) < 2:
            return
        index = thread.patients.index(self.to)
        self.to = thread.patients[(index + 1) % len(thread.patients)]
        self._show_title()

    def action_refresh(self) -> None:
        self._load()

    def _show_status(self, text: str, *, refused: bool = False) -> None:
        status = self.query_one("#chat-status", Static)
        status.update(text)
        status.set_class(refused, "-refused")

    def _today(self) -> date:
        return self.context.clock.today(self.context.store_zone)
