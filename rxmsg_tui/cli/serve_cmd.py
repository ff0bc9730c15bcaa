"""`rxmsg serve`: the TUI in a browser for remote support (textual-serve)."""

from __future__ import annotations

import shlex
import sys

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
def serve(state: object, host: str, port: int) -> None:
    """Serve the TUI to a browser; every connection runs its own `rxmsg`."""
    from textual_serve.server import Server

    db_url = getattr(state, "db_url", None)
    command = [sys.executable, "-m", "rxmsg_tui"] + (["--db", db_url] if db_url else [])
    Server(shlex.join(command), host=host, port=port, title="rxmsg").serve()
