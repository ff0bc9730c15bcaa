"""`rxmsg serve`: the TUI in a browser for remote support, behind a one-time link (DESIGN §9).

The browser gets the full admin TUI, so: loopback unless told otherwise, TLS
for any other address, a link that works once, sessions that end when left
idle, and the database password neither printed nor put on a command line.
"""

from __future__ import annotations

import shlex
import socket
import ssl
import sys

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.remote.access import WILDCARD_HOSTS, AccessGate, is_loopback
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import mask_passwords


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--certfile", metavar="PEM", help="TLS certificate (needed for a non-loopback host).")
@click.option("--keyfile", metavar="PEM", help="TLS private key (if not in --certfile).")
@click.option(
    "--idle-minutes",
    default=15.0,
    show_default=True,
    type=click.FloatRange(0, 24 * 60, min_open=True),
    help="End a session after this long without keyboard input.",
)
@click.pass_obj
def serve(
    state: CliState,
    host: str,
    port: int,
    certfile: str | None,
    keyfile: str | None,
    idle_minutes: float,
) -> None:
    """Serve the TUI to a browser; open the one-time link it prints (works once)."""
    from rxmsg_tui.cli.remote.server import SupportServer
    from rxmsg_tui.cli.remote.session_log import SessionLog

    ssl_context = _tls(certfile, keyfile)
    if ssl_context is None and not is_loopback(host):
        fail(f"--host {host} is reachable from other machines: it needs --certfile and --keyfile")
    context = state.context()
    gate = AccessGate(
        bind_host=host, port=port, tls=ssl_context is not None, idle_seconds=idle_minutes * 60
    )
    # The child reads the database URL from its environment: argv is public to every local user.
    child_env = {"RXMSG_DATABASE_URL": state.db_url} if state.db_url else {}
    command = "exec " + shlex.join([sys.executable, "-m", "rxmsg_tui"])
    link = f"{gate.scheme}://{_browser_host(host)}:{port}/?token={gate.token}"
    server = SupportServer(
        command=command,
        child_env=child_env,
        gate=gate,
        host=host,
        port=port,
        ssl_context=ssl_context,
        sessions=SessionLog(context),
        banner=[
            f"rxmsg serve: store {context.store.code}, signed in as {context.actor.username}, "
            f"database {mask_passwords(state.settings.resolved_database_url())}",
            "Open this link in the browser (it works once; sessions end after "
            f"{idle_minutes:g} idle minutes):",
            link,
            "Press Ctrl+C to stop.",
        ],
    )
    try:
        server.serve()
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _tls(certfile: str | None, keyfile: str | None) -> ssl.SSLContext | None:
    """The server's TLS context from PEM files, or None when none are given."""
    if certfile is None:
        if keyfile is not None:
            fail("--keyfile needs --certfile")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        fail(f"cannot use the TLS certificate {certfile!r}: {reason}")
    return context


def _browser_host(host: str) -> str:
    """The name to put in the link: this machine's name when listening on every address."""
    if host in WILDCARD_HOSTS:
        return socket.getfqdn()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
