"""`rxmsg inbound --once` (DESIGN.md §7): read patients' replies now, keywords applied.

The same poll the scheduler runs every `inbound.poll_seconds`: from the
store's SMS provider (or the outbox's inbox folder), each text stored once,
STOP/START applied to the consent ledger and answered at once. It prints one
line of counts; a provider that cannot be read is one line on stderr and exit 1
(nothing stored, the next poll asks again); an inbox file that cannot be read
is set aside with a warning line and the rest are read.
"""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState


@click.command("inbound")
@click.option("--once", is_flag=True, required=True, help="Read what has arrived now, then exit.")
@click.pass_obj
def inbound(state: CliState, once: bool) -> None:
    """Read inbound text messages now: stored once, STOP/START/HELP applied and answered."""
    from rxmsg_tui.providers.base import ProviderError
    from rxmsg_tui.scheduler.sending import Sending
    from rxmsg_tui.services.inbound import poll_inbound
    from rxmsg_tui.services.inbound.sources import inbound_sources

    ctx = state.context()
    store_id = ctx.store.id
    assert store_id is not None
    with Sending(ctx.db, ctx.settings, ctx.clock) as sending:
        source = inbound_sources(sending.transports)(store_id)
        if source is None:
            fail("this store has no source of inbound texts")
        try:
            report = poll_inbound(ctx.db, store_id, source, now=ctx.clock.now())
        except ProviderError as exc:
            fail(f"could not read inbound texts from {source.name}: {exc.reason}")
    for problem in report.problems:
        click.echo(f"rxmsg: warning: inbox file {problem}", err=True)
    click.echo(report.line())
