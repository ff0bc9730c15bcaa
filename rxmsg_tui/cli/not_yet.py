"""Commands of the CLI contract that are not built yet: they say so and exit 1."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail

_PENDING = {
    "devices": "the signature pad and IVR simulators",
    "inbound": "reading inbound text messages",
    "chat": "two-way text chat",
}


def _make(name: str, what: str) -> click.Command:
    @click.command(
        name,
        help=f"Not available yet: {what}.",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def command() -> None:
        fail(f"`rxmsg {name}` is not available yet in this version ({what})")

    return command


NOT_YET_COMMANDS = [_make(name, what) for name, what in _PENDING.items()]
