"""Step 3 of Send Email/SMS at work: the dry run, Send to Message Queue once, and the templates.

A send is keyed when step 3 opens: Back and Next over the same patients and
message keep the key, so a group already queued and looked at again is never
queued twice, and a second press of Send to Message Queue queues nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.screen import Screen

from rxmsg_tui.screens.group_send.step_confirm import ConfirmStep
from rxmsg_tui.screens.group_send.templates import save_ticked_templates
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.group_send import (
    GroupMessage,
    GroupSendResult,
    Selection,
    dry_run,
    send_group,
)


class GroupSending:
    """What the wizard's step 3 remembers between presses: the key, the group, the result line."""

    def __init__(self, screen: Screen[Any], context: AppContext) -> None:
        self.screen = screen
        self.context = context
        self.request_key = ""
        self.sent_key = ""
        self.keyed_for: tuple[Selection, GroupMessage] | None = None
        """The patients and message the request key was made for."""
        self.group_send_id: int | None = None
        """The group the last Send to Message Queue made, for F10 to open in the queue."""
        self.busy = False
        self.sent_line = ""

    @property
    def confirm(self) -> ConfirmStep:
        return self.screen.query_one(ConfirmStep)

    def key(self, selection: Selection, message: GroupMessage) -> None:
        """A new request key only for a new send (other patients or another message)."""
        if (selection, message) != self.keyed_for:
            self.request_key = uuid.uuid4().hex
            self.keyed_for = (selection, message)

    def dry_run(self, selection: Selection, message: GroupMessage) -> None:
        ctx, confirm = self.context, self.confirm
        confirm.checking()
        run_service(
            self.screen,
            lambda: dry_run(ctx.db, ctx.actor, selection, message, now=ctx.clock.now()),
            confirm.show_dry_run,
            lambda event: confirm.show_line(f"Cannot check the send: {event.text}"),
            doing="checking who a group message reaches",
            group="group-dry-run",
        )

    def send(
        self,
        selection: Selection,
        message: GroupMessage,
        ticked: list[tuple[str, str, str]],
        *,
        done: Callable[[], None],
    ) -> None:
        """Queue once; `ticked` templates (channel, subject, body) are saved after the send."""
        if self.busy:
            return
        if self.sent_key == self.request_key:
            self.confirm.show_result(self.sent_line + " (already queued)")
            return
        ctx, key, confirm = self.context, self.request_key, self.confirm
        self.busy = True
        confirm.sending()
        app = self.screen.app

        def progress(count: int, total: int) -> None:
            app.call_from_thread(confirm.progress, count, total)

        def send() -> GroupSendResult:
            return send_group(
                ctx.db,
                ctx.actor,
                selection,
                message,
                request_key=key,
                now=ctx.clock.now(),
                progress=progress,
            )

        run_service(
            self.screen,
            send,
            partial(self._sent, key, ticked, done),
            self._not_sent,
            doing="queueing a group message",
            group="group-send",
        )

    def _sent(
        self,
        key: str,
        ticked: list[tuple[str, str, str]],
        done: Callable[[], None],
        result: GroupSendResult,
    ) -> None:
        self.busy = False
        self.sent_key = key
        self.group_send_id = result.group_send_id
        total = sum(result.queued.values())
        noun = "message" if total == 1 else "messages"
        if result.already_sent:
            self.sent_line = (
                f"Group #{result.group_send_id} was already queued; nothing queued again"
            )
        else:
            self.sent_line = (
                f"Queued {total:,} {noun} as group #{result.group_send_id}; "
                "see Outbound Messaging Queue"
            )
            save_ticked_templates(self.screen, self.context, ticked, self._after_templates)
        self.confirm.progress(1, 1)
        self.confirm.show_result(self.sent_line)
        done()

    def _after_templates(self, line: str) -> None:
        self.confirm.show_result(f"{self.sent_line}; {line}")

    def _not_sent(self, event: WorkFailed) -> None:
        self.busy = False
        self.confirm.show_result(f"Nothing was queued: {event.text}")
