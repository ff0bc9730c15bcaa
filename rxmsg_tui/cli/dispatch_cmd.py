"""`rxmsg dispatch --once` and `rxmsg daemon`: send what is due, once or continuously."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.state import CliState

if TYPE_CHECKING:
    pass


@click.command("dispatch")
@click.option("--once", is_flag=True, required=True, help="Send what is due now, then exit.")
@click.pass_obj
def dispatch(state: CliState, once: bool) -> None:
    """Send every message that is due now (outside windows they stay Pending)."""
    from rxmsg_tui.scheduler.sending import Sending

    with Sending(state.database(), state.settings, state.clock) as sending:
        stats = sending.dispatcher.run_until_idle()
    click.echo(
        f"sent {stats.sent}, retrying {stats.retrying}, failed {stats.failed}, "
        f"undelivered {stats.undelivered}, waiting for their window {stats.deferred}",
        err=True,
    )


@click.command("daemon")
@click.option(
    "--every",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.5, 300),
    help="Seconds between dispatch runs.",
)
@click.pass_obj
def daemon(state: CliState, every: float) -> None:
    """Run the scheduler and dispatcher headless until SIGTERM or Ctrl-C."""
    from rxmsg_tui.cli.logs import log_to_stderr
    from rxmsg_tui.cli.stop_signals import StopSignals
    from rxmsg_tui.scheduler.sending import Sending

    sending = Sending(state.database(), state.settings, state.clock)
    log_to_stderr("rxmsg daemon")  # says "scheduler running", "standby" and "off" as they come
    runner = sending.runner(dispatch_every=every)
    with StopSignals() as stop:
        try:
            runner.start()
            stop.event.wait()
        finally:
            runner.stop()
            sending.close()
    click.echo("rxmsg daemon: stopped", err=True)
