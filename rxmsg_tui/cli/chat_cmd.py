"""`rxmsg chat list|show|send` (DESIGN.md §7): two-way text chat from a shell.

The same threads and rules as the 2-way Messaging screen: `show` marks the
thread read, `send` queues a High General SMS or refuses with one line and
writes nothing (restricted word, STOP, no consent, no cell, unknown names).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from rxmsg_tui.cli.output import write_rows
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import visible

if TYPE_CHECKING:
    from rxmsg_tui.services.chat import ChatLine, ChatPatient, Conversation, Thread

_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for other programs.",
)
_LIST_COLUMNS = (
    ("last_at", "When", 16),
    ("phone", "Number", 12),
    ("name", "Name", 16),
    ("unread", "New", 3),
    ("marks", "Marks", 10),
    ("last_body", "Last message", 18),
)


@click.group("chat")
def chat() -> None:
    """Two-way text chat: conversations, one thread, and replies (General SMS, High priority)."""


@chat.command("list")
@click.option("--unread", is_flag=True, help="Only conversations with texts nobody has read.")
@_FORMAT
@click.pass_obj
def list_(state: CliState, unread: bool, output_format: str) -> None:
    """Conversations newest first; Marks: STOP (opted out), STAFF (a text flagged for staff)."""
    from rxmsg_tui.services.chat import list_conversations

    ctx = state.context()
    found = list_conversations(ctx.db, ctx.actor.store_id, unread_only=unread)
    if output_format == "table" and not found:
        click.echo("No unread conversations." if unread else "No conversations yet.")
        return
    rows = (_conversation_row(c, ctx.store_zone, output_format) for c in found)
    write_rows(rows, output_format, columns=_LIST_COLUMNS)


@chat.command("show")
@click.argument("who", metavar="PATIENT_ID|NUMBER")
@_FORMAT
@click.pass_obj
def show(state: CliState, who: str, output_format: str) -> None:
    """One thread, oldest first, each reply with its queue status; marks the thread read."""
    from rxmsg_tui.services.chat import find_thread, mark_read, read_thread

    ctx = state.context()
    phone = find_thread(ctx.db, ctx.actor.store_id, who)
    thread = read_thread(ctx.db, ctx.actor.store_id, phone)
    if output_format == "json":
        click.echo(json.dumps(_thread_json(thread), indent=2, default=str))
    else:
        for line in _thread_lines(thread, ZoneInfo(ctx.store.timezone)):
            click.echo(line)
    mark_read(ctx.db, ctx.actor.store_id, phone, now=ctx.clock.now())


@chat.command("send")
@click.argument("patient_id", metavar="PATIENT_ID")
@click.option("--text", metavar="T", help="The reply; #VARIABLES# are filled in.")
@click.option("--quick", metavar="NAME", help="A Quick Response by its description.")
@click.pass_obj
def send(state: CliState, patient_id: str, text: str | None, quick: str | None) -> None:
    """Queue a reply to the patient's cell; prints its id, status and the text sent."""
    if (text is None) == (quick is None):
        raise click.UsageError("give one of --text or --quick")
    from rxmsg_tui.services.chat import quick_response_text, send_chat

    ctx = state.context()
    if quick is not None:
        text = quick_response_text(ctx, patient_id=patient_id, name=quick)
    assert text is not None
    sent = send_chat(ctx, patient_id=patient_id, text=text)
    click.echo(
        f"message {sent.message_id} {sent.status.label} to {sent.phone}: {visible(sent.body)}"
    )


def _conversation_row(c: Conversation, zone: ZoneInfo, output_format: str) -> dict[str, Any]:
    marks = ",".join(m for m, on in (("STOP", c.opted_out), ("STAFF", c.needs_staff)) if on)
    if output_format == "table":
        last = ("> " if c.last_direction == "out" else "") + " ".join(c.last_body.split())
        return {
            "last_at": _local(c.last_at, zone), "phone": c.phone, "name": c.name,
            "unread": c.unread or "", "marks": marks, "last_body": last,
        }  # fmt: skip
    return {
        "phone": c.phone,
        "name": c.name,
        "patients": _patients_json(c.patients),
        "last_at": c.last_at.isoformat(),
        "last_body": c.last_body,
        "last_direction": c.last_direction,
        "unread": c.unread,
        "opted_out": c.opted_out,
        "needs_staff": c.needs_staff,
    }


def _thread_lines(thread: Thread, zone: ZoneInfo) -> Iterator[str]:
    who = ", ".join(f"{p.name} ({p.patient_id})" for p in thread.patients) or thread.name
    yield visible(f"{who} · {thread.phone}")
    if thread.opted_out:
        yield "Opted out: texted STOP; no texts until they text START."
    if not thread.lines:
        yield "No messages yet."
    for line in thread.lines:
        arrow = "<" if line.direction == "in" else ">"
        tail = _line_tail(line)
        first, *rest = [visible(part) for part in line.body.split("\n")]
        yield f"{_local(line.at, zone)} {arrow} {first}{tail}"
        yield from (f"{'':18}{more}" for more in rest)


def _line_tail(line: ChatLine) -> str:
    tail = f"  [{line.status}{' ' + line.warning if line.warning else ''}]" if line.status else ""
    if line.needs_staff:
        tail += "  [for staff]"
    return tail


def _thread_json(thread: Thread) -> dict[str, Any]:
    return {
        "phone": thread.phone,
        "name": thread.name,
        "patients": _patients_json(thread.patients),
        "opted_out": thread.opted_out,
        "lines": [_line_json(line) for line in thread.lines],
    }


def _line_json(line: ChatLine) -> dict[str, Any]:
    return {
        "direction": line.direction, "at": line.at.isoformat(), "body": line.body,
        "keyword": line.keyword, "needs_staff": line.needs_staff,
        "status": line.status, "warning": line.warning, "unread": line.unread,
    }  # fmt: skip


def _patients_json(patients: tuple[ChatPatient, ...]) -> list[dict[str, Any]]:
    return [
        {"patient_id": p.patient_id, "name": p.name, "opted_out": p.opted_out} for p in patients
    ]


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
