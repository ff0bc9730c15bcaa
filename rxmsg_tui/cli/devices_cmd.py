"""`rxmsg devices` (DESIGN.md §7): the signature pad and IVR simulators."""

from __future__ import annotations

import click

from rxmsg_tui.cli.ivr_sim_cmd import ivr_sim
from rxmsg_tui.cli.sigpad_sim_cmd import sigpad_sim


@click.group("devices")
def devices() -> None:
    """Simulators of the signature pad and the IVR computer, for tests, demos and training."""


devices.add_command(sigpad_sim)
devices.add_command(ivr_sim)
