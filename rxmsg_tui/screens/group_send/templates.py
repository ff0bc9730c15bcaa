"""Send Email/SMS's "Save this Email/Text Message": the ticked texts saved after the send.

Saving comes after queueing and apart from it: a template refused (a name
already taken, say) is said in one line while the send it came with stands.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode

from rxmsg_tui.screens.group_send.step_message import Typed
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.group_send import save_template


def ticked_templates(typed: Typed, *, email: bool, sms: bool) -> list[tuple[str, str, str]]:
    """(channel, subject, body) of each text staff ticked to save, for the channels sent."""
    wanted = []
    if email and typed.save_email:
        wanted.append(("email", typed.email_subject, typed.email_body))
    if sms and typed.save_sms:
        wanted.append(("sms", typed.sms_subject, typed.sms_body))
    return wanted


def save_ticked_templates(
    node: DOMNode,
    context: AppContext,
    wanted: list[tuple[str, str, str]],
    say: Callable[[str], object],
) -> None:
    """Save them off the UI thread; `say` gets "1 template saved" or why not."""
    if not wanted:
        return

    def save() -> int:
        for channel, subject, body in wanted:
            save_template(
                context.db, context.actor, channel, subject, body, now=context.clock.now()
            )
        return len(wanted)

    def saved(count: int) -> None:
        say(f"{count} {'template' if count == 1 else 'templates'} saved")

    def refused(event: WorkFailed) -> None:
        say(f"template not saved: {event.text}")

    run_service(node, save, saved, refused, doing="saving a group template", group="group-template")
