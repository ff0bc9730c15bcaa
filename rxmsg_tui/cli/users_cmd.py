"""`rxmsg users add|list`: map OS logins to roles."""

from __future__ import annotations

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.vocabulary import Role


@click.group("users")
def users() -> None:
    """Who may use rxmsg at this store, and with which role."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="technician runs the queue; pharmacist and admin change setup; admin adds users.",
)
@click.pass_obj
def add(state: CliState, name: str, role: str) -> None:
    """Allow the OS login NAME to use rxmsg with ROLE (admins only)."""
    from rxmsg_tui.services.users import add_user

    ctx = state.context()
    add_user(ctx.db, ctx.actor, name, role, now=ctx.clock.now())
    click.echo(f"user {name} added to store {ctx.store.code} as {role}", err=True)


@users.command("list")
@click.pass_obj
def list_(state: CliState) -> None:
    """List the users of this store and their roles."""
    from rxmsg_tui.services.users import list_users

    ctx = state.context()
    for user in list_users(ctx.db, ctx.actor.store_id):
        status = "" if user.active else "  (inactive)"
        click.echo(f"{user.username:<24} {user.role}{status}")
