"""`rxmsg group-send`: step 3 of the group send from a shell, dry run included (DESIGN §7).

The same service as the wizard: the message is checked as step 2 checks it,
the patients are decided as step 3's dry run decides them, and the output
says how many each channel reaches and why the others are left out.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import visible

if TYPE_CHECKING:
    from rxmsg_tui.services.context import AppContext
    from rxmsg_tui.services.group_send import GroupMessage, PatientFilter
    from rxmsg_tui.services.group_send.plan import Outcome

_FIELDS = {
    "email_subject": "--subject",
    "email_body": "--body",
    "sms_body": "--body",
    "sms_subject": "--subject",
    "methods": "--method",
}


@click.command("group-send")
@click.option(
    "--search", metavar="TEXT", help="Patients whose name or ID starts so (as the listing)."
)
@click.option("--patients", "patient_ids", metavar="ID,ID…", help="These patients (pharmacy IDs).")
@click.option("--all", "everyone", is_flag=True, help="Every patient of the store.")
@click.option("--method", required=True, type=click.Choice(["email", "sms"]))
@click.option("--subject", default="", help="Email subject (an SMS has none; see --save-template).")
@click.option(
    "--body", required=True, metavar="TEXT", help="The message; #VARIABLES# are filled in."
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would be queued and why not; write nothing."
)
@click.option(
    "--save-template",
    "template",
    metavar="NAME",
    help="Also save the message as a group template (an SMS template is named NAME; "
    "an email one is listed under its subject).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.pass_obj
def group_send(
    state: CliState,
    search: str | None,
    patient_ids: str | None,
    everyone: bool,
    method: str,
    subject: str,
    body: str,
    dry_run: bool,
    template: str | None,
    output_format: str,
) -> None:
    """Queue one General message to a group of patients, or say what would happen."""
    from rxmsg_tui.services.group_send import (
        Selection,
        check_message,
        find_candidates,
        save_template,
    )
    from rxmsg_tui.services.group_send.send import each_outcome, send_collecting

    chosen = [name for name, given in (("--search", search), ("--patients", patient_ids),
                                       ("--all", everyone)) if given]  # fmt: skip
    if len(chosen) != 1:
        raise click.UsageError("choose the patients with one of --search, --patients or --all")
    if template is not None and not template.strip():
        raise click.UsageError("--save-template needs a name")
    ctx = state.context()
    message = _message(method, subject, body, template)
    problems = check_message(ctx.db, ctx.actor.store_id, message)
    if problems:
        field, problem = next(iter(problems.items()))
        fail(f"{_FIELDS.get(field, field)}: {problem}")
    selection = Selection(_filter(ctx, search, patient_ids), None)
    if not find_candidates(ctx.db, ctx.actor.store_id, selection.flt, limit=1).rows:
        fail(f"--search: no patient matches {search!r}" if search else "the store has no patients")
    now = ctx.clock.now()
    if dry_run:
        outcomes = each_outcome(ctx.db, ctx.actor, selection, message, now=now)
        _report(outcomes, output_format, header="Dry run, nothing written:")
        if template:
            click.echo("rxmsg: the template was not saved (dry run)", err=True)
        return
    if template:
        channel_subject = message.sms_subject if method == "sms" else message.email_subject
        body_text = message.sms_body if method == "sms" else message.email_body
        save_template(ctx.db, ctx.actor, method, channel_subject, body_text, now=now)
    collected: list[Outcome] = []
    result = send_collecting(
        ctx.db, ctx.actor, selection, message,
        request_key=uuid.uuid4().hex, now=now, collect=collected,
    )  # fmt: skip
    _report(collected, output_format, header=f"Group send #{result.group_send_id}:")


def _message(method: str, subject: str, body: str, template: str | None) -> GroupMessage:
    from rxmsg_tui.services.group_send import GroupMessage

    if method == "email":
        return GroupMessage(email=True, sms=False, email_subject=subject, email_body=body)
    return GroupMessage(email=False, sms=True, sms_subject=template or subject, sms_body=body)


def _filter(ctx: AppContext, search: str | None, patient_ids: str | None) -> PatientFilter:
    from rxmsg_tui.services.group_send import PatientFilter, find_candidates
    from rxmsg_tui.services.patients import MAX_PAGE

    if search is not None:
        if not search.strip():
            raise click.UsageError("--search needs some text (or use --all)")
        return PatientFilter(search=search)
    if patient_ids is None:
        return PatientFilter()
    wanted = tuple(dict.fromkeys(p.strip() for p in patient_ids.split(",") if p.strip()))
    if not wanted:
        raise click.UsageError("--patients needs at least one patient ID")
    flt = PatientFilter(patient_ids=wanted)
    found: set[str] = set()
    after = None
    while True:
        page = find_candidates(ctx.db, ctx.actor.store_id, flt, after=after, limit=MAX_PAGE)
        found.update(c.patient_id for c in page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    missing = [p for p in wanted if p not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        fail(f"--patients: no patient with ID {missing[0]!r} at store {ctx.store.code}{more}")
    return flt


def _report(outcomes: list[Outcome], output_format: str, *, header: str) -> None:
    from rxmsg_tui.services.group_send import REASONS
    from rxmsg_tui.services.group_send.plan import Tally

    if output_format == "json":
        click.echo(json.dumps([
            {"patient_id": o.target.patient_id, "channel": o.channel.value,
             "queued": o.reason is None, "reason": o.reason or ""}
            for o in outcomes
        ], indent=2))  # fmt: skip
        return
    tally = Tally()
    for o in outcomes:
        tally.add(o)
    click.echo(header)
    for channel in dict.fromkeys(o.channel.value for o in outcomes):
        left_out = tally.excluded.get(channel, {})
        label = "Email" if channel == "email" else "SMS"
        click.echo(f"{label}: {tally.queued.get(channel, 0):,} queued, "
                   f"{sum(left_out.values()):,} excluded")  # fmt: skip
        for reason in REASONS:
            if reason in left_out:
                click.echo(f"  {visible(reason):<16} {left_out[reason]:>7,}")
