"""The `rxmsg` command (DESIGN.md §7): the one composition root of the application."""

from __future__ import annotations

import click

from rxmsg_tui.cli.chat_cmd import chat
from rxmsg_tui.cli.demo_cmd import demo
from rxmsg_tui.cli.devices_cmd import devices
from rxmsg_tui.cli.dispatch_cmd import daemon, dispatch
from rxmsg_tui.cli.errors import RxmsgGroup
from rxmsg_tui.cli.event_cmd import event
from rxmsg_tui.cli.group_send_cmd import group_send
from rxmsg_tui.cli.import_cmd import import_
from rxmsg_tui.cli.inbound_cmd import inbound
from rxmsg_tui.cli.patient_cmd import patient
from rxmsg_tui.cli.patients_cmd import patients
from rxmsg_tui.cli.queue_cmd import queue
from rxmsg_tui.cli.run_daily_cmd import run_daily_command
from rxmsg_tui.cli.send_cmd import send
from rxmsg_tui.cli.serve_cmd import serve
from rxmsg_tui.cli.settings_cmd import settings
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.cli.support_cmd import support
from rxmsg_tui.cli.tui import open_tui
from rxmsg_tui.cli.users_cmd import users


@click.group(
    cls=RxmsgGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="Database URL (default: RXMSG_DATABASE_URL or the embedded SQLite file).",
)
@click.version_option(package_name="rxmsg", prog_name="rxmsg")
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """Patient messaging for retail pharmacies. Without a command, opens the TUI."""
    ctx.obj = CliState(db_url=db_url)
    if ctx.invoked_subcommand is None:
        open_tui(ctx.obj.context())


for command in (
    chat,
    daemon,
    demo,
    devices,
    dispatch,
    event,
    group_send,
    import_,
    inbound,
    patient,
    patients,
    queue,
    run_daily_command,
    send,
    settings,
    users,
    support,
    serve,
):
    main.add_command(command)
