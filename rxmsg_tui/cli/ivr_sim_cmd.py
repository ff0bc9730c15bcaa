"""`rxmsg devices ivr-sim` (DESIGN.md §7): an IVR computer on 127.0.0.1 that logs every call."""

from __future__ import annotations

import sys

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.stop_signals import StopSignals


@click.command("ivr-sim")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True,
    help="Port on 127.0.0.1; 0 takes any free port (printed on start).",
)  # fmt: skip
@click.option(
    "--script", default="answered", show_default=True, metavar="STATUS,…",
    help="Each call's final status in order (answered, no-answer, busy, failed), "
    "starting again at the top when it ends.",
)  # fmt: skip
@click.option(
    "--delay", type=click.FloatRange(0, 600), default=1.0, show_default=True,
    help="Seconds between `queued` and the call's final status.",
)  # fmt: skip
def ivr_sim(port: int, script: str, delay: float) -> None:
    """Simulate the IVR computer (docs/ivr-protocol.md) until Ctrl-C or SIGTERM.

    Point Outbound Messaging Setup at it (IP Address of IVR Computer 127.0.0.1,
    Outbound Port as printed, Call Using = IVR Interface). Each call it takes
    is logged on stdout: time, op, to, id, status.
    """
    from rxmsg_tui.devices.ivr_sim import IvrSimulator, parse_script

    try:
        statuses = parse_script(script)
    except ValueError as exc:
        fail(f"--script: {exc}")
    try:
        simulator = IvrSimulator(port=port, script=statuses, delay=delay, log=_say)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
    with StopSignals() as stop:
        simulator.start()
        _say(
            f"IVR simulator listening on 127.0.0.1:{simulator.port} (script: {','.join(statuses)})"
        )
        stop.event.wait()
    simulator.stop()
    _say("IVR simulator stopped")


def _say(line: str) -> None:
    """One line on stdout at once: a test or a person tailing the log sees each call as it goes."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
