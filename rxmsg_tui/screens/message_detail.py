"""One queued message whole: recipient, subject, body, and every attempt with its error."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import ScreenEntry
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.messages.queue_actions import MessageDetail, message_detail
from rxmsg_tui.services.messages.queue_listing import patient_of
from rxmsg_tui.widgets.app_events import QueueChanged
from rxmsg_tui.widgets.queue_table import status_label

MESSAGE_DETAIL = ScreenEntry(
    "message-detail",
    "Queue Message",
    "read one message of the Outbound Messaging Queue whole, with every attempt to send it.",
)


class MessageDetailScreen(RxScreen):
    """Read-only: staff come here to see why a message failed, then Esc back to the queue.

    It reads the message again when the dispatcher changes the queue, so an
    attempt made while it is open shows up without leaving the screen.
    """

    CSS_PATH = "../styles/message_queue.tcss"
    AUTO_FOCUS = "#detail"

    def __init__(self, context: AppContext, message_id: int) -> None:
        super().__init__(context, MESSAGE_DETAIL)
        self.message_id = message_id
        self.title = f"Queue Message {message_id}"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail", can_focus=True):
            yield Static("Loading…", id="detail-text")

    def on_mount(self) -> None:
        self._load()

    def on_queue_changed(self, _event: QueueChanged) -> None:
        self._load()

    def _load(self) -> None:
        db, store, message_id = self.context.db, self.context.actor.store_id, self.message_id

        def read() -> tuple[MessageDetail, tuple[str, str] | None]:
            return message_detail(db, store, message_id), patient_of(db, store, message_id)

        run_service(
            self,
            read,
            self._show,
            self._not_read,
            doing=f"reading message {self.message_id}",
            group="message-detail",
        )

    def _show(self, found: tuple[MessageDetail, tuple[str, str] | None]) -> None:
        detail, patient = found
        shown = describe(detail, self.context.store_zone, patient)
        self.query_one("#detail-text", Static).update(shown)

    def _not_read(self, event: WorkFailed) -> None:
        text = f"Cannot show message {self.message_id}: {event.text}"
        self.query_one("#detail-text", Static).update(text)


def describe(detail: MessageDetail, zone: ZoneInfo, patient: tuple[str, str] | None = None) -> Text:
    """The message as staff read it; bodies are shown as typed, never read as markup.

    `patient` is (patient ID, name) when the message is for a patient on file:
    an Rx message's Entity Name is only its number.
    """
    status = status_label(detail.status) + (f" ({detail.warning})" if detail.warning else "")
    created = f"{_at(detail.created_at, zone)} by {detail.created_by or 'rxmsg'}"
    fields = [
        ("Method", f"{detail.method} · {detail.alert_type} · {detail.priority} priority"),
        ("Status", status),
        ("Entity", f"{detail.entity}: {detail.entity_name}"),
        ("Patient", f"{patient[1]} (ID {patient[0]})" if patient else "(none on file)"),
        ("Recipient", detail.recipient or "(none)"),
        ("Created", created),
        ("Scheduled", _at(detail.scheduled_at, zone)),
    ]
    if detail.next_attempt_at is not None and detail.status == "Pending":
        fields.append(("Next try", _at(detail.next_attempt_at, zone)))
    if detail.sent_at is not None:
        fields.append(("Sent", _at(detail.sent_at, zone)))
    fields.append(("Subject", detail.subject or "(none)"))
    text = Text()
    for label, value in fields:
        text.append(f"{label:<10} ", style="bold")
        text.append(value + "\n")
    text.append("\nBody\n", style="bold")
    text.append(detail.body.rstrip() + "\n")
    text.append(f"\nAttempts ({len(detail.attempts)})\n", style="bold")
    if not detail.attempts:
        text.append("None yet.\n")
    for attempt in detail.attempts:
        code = "" if attempt.status_code is None else f" {attempt.status_code}"
        text.append(f"{_at(attempt.attempted_at, zone, seconds=True)}  {attempt.provider}{code}")
        if attempt.error:
            text.append(f"  {attempt.error}", style="bold")
        text.append("\n")
    return text


def _at(moment: datetime, zone: ZoneInfo, *, seconds: bool = False) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
