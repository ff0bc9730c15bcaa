"""`rxmsg patient verify`: send a verification code to a cell or email, or check one read back."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.vocabulary import Channel


@click.command("verify")
@click.argument("patient_id", metavar="ID")
@click.option("--cell", "channel", flag_value=Channel.SMS.value, help="Verify the cell phone.")
@click.option("--email", "channel", flag_value=Channel.EMAIL.value, help="Verify the email.")
@click.option(
    "--code", default=None, metavar="CODE", help="The 6-digit code the patient read back."
)
@click.pass_obj
def verify(state: CliState, patient_id: str, channel: str | None, code: str | None) -> None:
    """Without --code: queue a new code to the address (never printed). With --code: check it.

    Exit 0 when the code was queued or the address is now verified; exit 1
    with one line (wrong code and tries left, locked, expired, none sent).
    """
    from rxmsg_tui.services.verification import check_code, send_code

    if channel is None:
        fail("say which address to verify: --cell or --email")
    ctx = state.context()
    chosen = Channel(channel)
    what = "cell" if chosen is Channel.SMS else "email"
    now = ctx.clock.now()
    if code is None:
        sent = send_code(ctx.db, ctx.actor, patient_id, chosen, now=now)
        expires = sent.expires_at.astimezone(ctx.store_zone).strftime("%H:%M")
        click.echo(
            f"code queued to {sent.address} (message {sent.message_id}); it expires at {expires}"
        )
        if sent.goes_at > now:
            goes = sent.goes_at.astimezone(ctx.store_zone).strftime("%m/%d %H:%M")
            click.echo(f"texts wait for 08:00 at the patient: it goes at {goes}", err=True)
        return
    check_code(ctx.db, ctx.actor, patient_id, chosen, code, now=now)
    click.echo(f"patient {patient_id}: {what} verified")
