"""The `rxmsg` command (DESIGN.md §7): the one composition root of the application.

A pharmacy system may call `rxmsg event …` once per prescription, and staff
type `rxmsg --help` to find their way: neither should wait for SQLAlchemy,
Textual and httpx to load. So each command's module is imported only when
that command runs, and `--help` lists the commands from the table below
(a test keeps its one-line summaries equal to the commands' own).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click

from rxmsg_tui.cli.errors import RxmsgGroup


class CommandEntry(NamedTuple):
    module: str
    """Under rxmsg_tui.cli."""
    attribute: str
    summary: str
    """The command's one-line help, as `rxmsg --help` lists it."""


COMMANDS: dict[str, CommandEntry] = {
    "chat": CommandEntry(
        "chat_cmd",
        "chat",
        "Two-way text chat: conversations, one thread, and replies (General SMS, High priority).",
    ),
    "daemon": CommandEntry(
        "dispatch_cmd",
        "daemon",
        "Run the scheduler and dispatcher headless until SIGTERM or Ctrl-C.",
    ),
    "demo": CommandEntry(
        "demo_cmd", "demo", "Build the demo pharmacy (store DEMO) once, then open the TUI on it."
    ),
    "devices": CommandEntry(
        "devices_cmd",
        "devices",
        "Simulators of the signature pad and the IVR computer, for tests, demos and training.",
    ),
    "dispatch": CommandEntry(
        "dispatch_cmd",
        "dispatch",
        "Send every message that is due now (outside windows they stay Pending).",
    ),
    "event": CommandEntry(
        "event_cmd",
        "event",
        "Record what happened to a prescription; pickup messages follow from it.",
    ),
    "group-send": CommandEntry(
        "group_send_cmd",
        "group_send",
        "Queue one General message to a group of patients, or say what would happen.",
    ),
    "health": CommandEntry(
        "health_cmd",
        "health",
        "Exit 0 when the database answers at the newest schema and the scheduler here renews.",
    ),
    "import": CommandEntry(
        "import_cmd",
        "import_",
        "Import patients.csv or prescriptions.csv (columns as in the manual).",
    ),
    "inbound": CommandEntry(
        "inbound_cmd",
        "inbound",
        "Read inbound text messages now: stored once, STOP/START/HELP applied and answered.",
    ),
    "patient": CommandEntry(
        "patient_cmd",
        "patient",
        "One patient's message settings: addresses, channels per alert, consent, verification.",
    ),
    "patients": CommandEntry(
        "patients_cmd",
        "patients",
        "The Patient Listing report: every patient of the store, by last and first name.",
    ),
    "queue": CommandEntry("queue_cmd", "queue", "List the queue; all dates unless --from/--to."),
    "run-daily": CommandEntry(
        "run_daily_cmd",
        "run_daily_command",
        "Queue the day's refill reminders, follow-ups, greetings and review resends.",
    ),
    "send": CommandEntry("send_cmd", "send", "Queue a General message; prints its id and status."),
    "serve": CommandEntry(
        "serve_cmd",
        "serve",
        "Serve the TUI to a browser; open the one-time link it prints (works once).",
    ),
    "settings": CommandEntry(
        "settings_cmd",
        "settings",
        "Store setup and alert settings with stable keys (see DESIGN.md §8).",
    ),
    "support": CommandEntry("support_cmd", "support", "Tools for rxmsg support technicians."),
    "users": CommandEntry(
        "users_cmd", "users", "Who may use rxmsg at this store, and with which role."
    ),
}


class LazyGroup(RxmsgGroup):
    """Imports a command's module when that command is run (or asked for its own help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__name__}.{entry.module}")
        command: click.Command = getattr(module, entry.attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table: listing them must not import them all."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=entry.summary).get_short_help_str(limit))
            for name, entry in sorted(COMMANDS.items())
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
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
    from rxmsg_tui.cli.state import CliState

    ctx.obj = CliState(db_url=db_url)
    if ctx.invoked_subcommand is None:
        from rxmsg_tui.cli.tui import open_tui, require_terminal

        require_terminal()  # before the database is opened or migrated
        open_tui(ctx.obj.context)  # opened by the App, right after it paints the menu
