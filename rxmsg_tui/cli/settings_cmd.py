"""`rxmsg settings show|export|import|set`: store setup and alert settings as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain import json_nesting

_unlock_option = click.option(
    "--unlock", "unlock_code", metavar="CODE", help="Support unlock code (alert and default keys)."
)


@click.group("settings")
def settings() -> None:
    """Store setup and alert settings with stable keys (see DESIGN.md §8)."""


@settings.command("show")
@click.argument("key", required=False)
@click.pass_obj
def show(state: CliState, key: str | None) -> None:
    """Print every setting as JSON, or one KEY's value."""
    from rxmsg_tui.services.store_settings import read_settings

    ctx = state.context()
    values = read_settings(ctx.db, ctx.actor.store_id)
    if key is None:
        click.echo(json.dumps(values, indent=2))
        return
    if key not in values:
        raise click.BadParameter(f"unknown settings key {key!r}", param_hint="KEY")
    click.echo(json.dumps(values[key]))


@settings.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export(state: CliState, file: Path) -> None:
    """Write all settings to FILE as JSON."""
    from rxmsg_tui.services.store_settings import export_settings

    ctx = state.context()
    export_settings(ctx.db, ctx.store, file)
    click.echo(f"settings of store {ctx.store.code} written to {file}", err=True)


@settings.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_unlock_option
@click.pass_obj
def import_settings(state: CliState, file: Path, unlock_code: str | None) -> None:
    """Apply the settings in FILE (an export), all or nothing."""
    from rxmsg_tui.services.store_settings import read_settings_file

    values = read_settings_file(file)
    _apply(state, values, unlock_code)


@settings.command("set")
@click.argument("key")
@click.argument("value")
@_unlock_option
@click.pass_obj
def set_(state: CliState, key: str, value: str, unlock_code: str | None) -> None:
    """Set KEY to VALUE; VALUE is read as JSON when it parses (true, 3, ["sms"]), else as text."""
    _apply(state, {key: parse_value(value)}, unlock_code)


def parse_value(raw: str) -> Any:
    """JSON when it parses; otherwise (nested too deeply included) the text as typed."""
    try:
        return json_nesting.loads(raw)
    except json.JSONDecodeError:
        return raw


def _apply(state: CliState, values: dict[str, Any], unlock_code: str | None) -> None:
    from rxmsg_tui.services.store_settings import change_settings_for

    ctx = state.context()
    changed = change_settings_for(ctx, values, unlock_code=unlock_code)
    if changed:
        click.echo(f"changed: {', '.join(changed)}", err=True)
    else:
        click.echo("nothing changed", err=True)
