"""`rxmsg devices sigpad-sim` (DESIGN.md §7): a signature pad simulator on a pty or TCP port.

For demos, training and tests without the hardware: it prints the
RXMSG_SIGPAD_URL to use, answers every PROMPT as told (always YES, always NO,
or a person at the terminal decides) and logs each prompt, until Ctrl-C or
SIGTERM.
"""

from __future__ import annotations

import signal
import sys

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.stop_signals import StopSignals
from rxmsg_tui.devices.sigpad_sim import (
    PtyPad,
    Responder,
    TcpPad,
    answer_by_person,
    answer_no,
    answer_yes,
)


def _log(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


@click.command("sigpad-sim")
@click.option("--pty", "use_pty", is_flag=True, help="On a new pseudo-terminal (the default).")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="On TCP 127.0.0.1:P, for socket:// (0: any)."
)
@click.option(
    "--answer",
    type=click.Choice(["yes", "no", "ask"]),
    default="yes",
    show_default=True,
    help="What the patient does; ask: show the wording here and type y or n.",
)
def sigpad_sim(use_pty: bool, port: int | None, answer: str) -> None:
    """A signature pad simulator; set RXMSG_SIGPAD_URL to the URL it prints."""
    if use_pty and port is not None:
        raise click.UsageError("give --pty or --port, not both")
    try:
        link: PtyPad | TcpPad = TcpPad(port) if port is not None else PtyPad()
    except OSError as exc:
        fail(f"cannot start the signature pad simulator: {exc}")
    respond: Responder = {"yes": answer_yes, "no": answer_no}.get(answer) or answer_by_person(
        lambda question: click.prompt(question, prompt_suffix="", default="", show_default=False),
        _log,
    )
    _log(f"RXMSG_SIGPAD_URL={link.url}")
    _log(f"signature pad simulator answering {answer}; Ctrl-C to stop")
    try:
        with StopSignals(signal.SIGTERM) as stop:  # Ctrl-C may come in the middle of a prompt
            link.serve(respond, _log, stop.event)
    except KeyboardInterrupt:
        pass
    finally:
        link.close()
    _log("signature pad simulator stopped")
