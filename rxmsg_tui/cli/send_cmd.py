"""`rxmsg send`: queue one General message for a patient (the same rules as the TUI)."""

from __future__ import annotations

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.vocabulary import Method

_METHODS = {"email": Method.EMAIL, "sms": Method.SMS, "call": Method.CALL}


@click.command("send")
@click.option(
    "--patient", "patient_id", required=True, metavar="ID", help="The pharmacy system's patient ID."
)
@click.option("--method", required=True, type=click.Choice(sorted(_METHODS)))
@click.option(
    "--subject",
    default="",
    help="Email subject (names the message for SMS and calls); one line, at most 200 characters.",
)
@click.option(
    "--body",
    required=True,
    metavar="TEXT",
    help="The message; #VARIABLES# are filled in. At most 10 SMS segments or 100 KB of email.",
)
@click.pass_obj
def send(state: CliState, patient_id: str, method: str, subject: str, body: str) -> None:
    """Queue a General message; prints its id and status.

    A text over its caps or with a control character queues nothing (exit 1).
    """
    from rxmsg_tui.services.messages.general import queue_general_message

    ctx = state.context()
    queued = queue_general_message(
        ctx, patient_id=patient_id, method=_METHODS[method], subject=subject, body=body
    )
    warning = f" ({queued.warning})" if queued.warning else ""
    click.echo(f"message {queued.id} {queued.status.value}{warning}")
