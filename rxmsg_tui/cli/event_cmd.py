"""`rxmsg event KIND RXNUMBER` and `rxmsg event batch FILE`: how a pharmacy system reports fills."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import one_line
from rxmsg_tui.domain.vocabulary import Entity, RxEventKind

if TYPE_CHECKING:
    from rxmsg_tui.services.messages.automatic import QueuedAlert
    from rxmsg_tui.services.rx_events import CancelledMessage, EventResult

MAX_SHOWN_LINES = 100
"""Bad lines printed before the rest are only counted."""
HELP = {
    RxEventKind.LABEL_PRINTED: "Record that the Rx's label was printed.",
    RxEventKind.INSURANCE_APPROVED: "Record that insurance approved the Rx.",
    RxEventKind.VERIFIED: "Record that the pharmacist verified the Rx for fill.",
    RxEventKind.PICKED_UP: "Record that the patient picked up the Rx.",
}


@click.group("event")
def event() -> None:
    """Record what happened to a prescription; pickup messages follow from it.

    The store's trigger (Alert Settings) queues RX Ready for Pickup once per
    fill; picked-up cancels waiting pickup reminders and queues the pickup
    confirmation and a review request.
    """


def _single(kind: RxEventKind) -> click.Command:
    @click.command(kind.value, help=HELP[kind])
    @click.argument("rx_number", metavar="RXNUMBER")
    @click.option(
        "--at",
        "at",
        metavar="TIME",
        help="When it happened (ISO 8601; without an offset, the store's time). Default: now.",
    )
    @click.pass_obj
    def command(state: CliState, rx_number: str, at: str | None) -> None:
        from rxmsg_tui.services.rx_events import EventSource, record_event
        from rxmsg_tui.services.rx_events.batch import parse_time

        ctx = state.context()
        occurred_at = parse_time(at, ctx.store_zone) if at else None
        result = record_event(
            ctx.db,
            ctx.actor,
            rx_number,
            kind,
            now=ctx.clock.now(),
            occurred_at=occurred_at,
            source=EventSource.CLI,
        )
        click.echo(f"recorded Rx {result.rx_number} {result.label} (fill {result.fill_date})")
        _echo_messages(result)
        for note in result.notes:
            click.echo(f"not queued: {note}")

    return command


@click.command("batch", short_help="Record the events in a CSV or JSON-lines file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.pass_obj
def batch(state: CliState, file: Path) -> None:
    """Record every event in FILE: CSV (rx_number,event,occurred_at) or JSON lines.

    Every line is checked first; any bad line means nothing is recorded.
    """
    from rxmsg_tui.services.rx_events import EventsRejected, record_events

    ctx = state.context()
    try:
        result = record_events(ctx.db, ctx.actor, file, now=ctx.clock.now())
    except EventsRejected as exc:
        for bad in exc.bad_lines[:MAX_SHOWN_LINES]:
            click.echo(one_line(f"line {bad.line}: {bad.reason}"), err=True)
        if exc.bad_count > MAX_SHOWN_LINES:
            click.echo(
                f"… and {_count(exc.bad_count - MAX_SHOWN_LINES, 'more bad line')}", err=True
            )
        fail(str(exc))
    for recorded in result.events:
        _echo_messages(recorded)
    queued = sum(len(e.queued) for e in result.events)
    cancelled = sum(len(e.cancelled) for e in result.events)
    click.echo(
        f"Recorded {_count(len(result.events), 'event')} from {result.file_name}: "
        f"{_count(queued, 'message')} queued, {cancelled} cancelled."
    )


def _echo_messages(result: EventResult) -> None:
    for cancelled in result.cancelled:
        click.echo(_cancelled_line(cancelled))
    for queued in result.queued:
        click.echo(_queued_line(queued))


def _cancelled_line(message: CancelledMessage) -> str:
    return (
        f"cancelled message {message.id}: RX Ready for Pickup by {message.method.value} "
        f"for {message.entity_name} (picked up)"
    )


def _queued_line(message: QueuedAlert) -> str:
    about = f" for {message.entity_name}" if message.entity is Entity.PRESCRIPTION else ""
    warning = f" ({message.warning})" if message.warning else ""
    return (
        f"queued message {message.id}: {message.alert_type.value} by "
        f"{message.channel.method.value}{about}: {message.status.value}{warning}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


for _kind in RxEventKind:
    event.add_command(_single(_kind))
event.add_command(batch)
