"""`rxmsg queue`: the Outbound Messaging Queue as a table, CSV or JSON."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import click

from rxmsg_tui.cli.output import FORMAT_OPTION, write_rows
from rxmsg_tui.cli.params import typed_date
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.vocabulary import QueueStatus

_COLUMNS = (
    ("scheduled_at", "Date/Time", 16),
    ("method", "Method", 6),
    ("alert_type", "Alert Type", 15),
    ("priority", "Prior.", 6),
    ("entity_name", "Entity Name", 17),
    ("status", "Status", 11),
    ("attempts", "Att", 3),
)


@click.command("queue")
@click.option(
    "--from",
    "date_from",
    callback=typed_date,
    metavar="DATE",
    help="First day (store time): 12/01/2026 or 2026-12-01.",
)
@click.option(
    "--to", "date_to", callback=typed_date, metavar="DATE", help="Last day (store time), as --from."
)
@click.option(
    "--status",
    type=click.Choice([s.value for s in QueueStatus], case_sensitive=False),
    help="Only this status (Deleted messages are shown only when asked for).",
)
@click.option(
    "--group",
    "group_send_id",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Only the messages of this group send (its number, as `#12` in the TUI).",
)
@FORMAT_OPTION
@click.pass_obj
def queue(
    state: CliState,
    date_from: date | None,
    date_to: date | None,
    status: str | None,
    group_send_id: int | None,
    output_format: str,
) -> None:
    """List the queue; all dates unless --from/--to."""
    from rxmsg_tui.services.messages.queue_listing import QueueFilter, iter_queue

    if date_from and date_to and date_from > date_to:
        raise click.UsageError("--from is after --to")
    ctx = state.context()
    chosen = next((s for s in QueueStatus if status and s.value.lower() == status.lower()), None)
    criteria = QueueFilter(
        date_from=date_from, date_to=date_to, status=chosen, group_send_id=group_send_id
    )
    zone = ctx.store_zone

    def rows() -> Iterator[dict[str, Any]]:
        for row in iter_queue(ctx.db, ctx.actor.store_id, zone, criteria):
            data = row.as_json()
            if output_format == "table":
                data["scheduled_at"] = row.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                data["status"] = QueueStatus(row.status).label  # "Sent?" as on screen
                data["entity_name"] = row.who  # `Rx 1000129 · Ana Diaz`: whose Rx it is
            yield data

    write_rows(rows(), output_format, columns=_COLUMNS)
