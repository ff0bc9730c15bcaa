"""A simulated signature pad on a real pty or TCP socket, served in a thread for a test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rxmsg_tui.devices.sigpad_protocol import Prompt
from rxmsg_tui.devices.sigpad_sim import PtyPad, Responder, TcpPad


@dataclass
class SimulatedPad:
    """The simulator serving `respond`; `prompts` is what it was shown, `asked` set on each."""

    link: PtyPad | TcpPad
    prompts: list[Prompt] = field(default_factory=list)
    asked: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return self.link.url

    def pull_cable(self) -> None:
        self.link.close()


@contextmanager
def simulated_pad(kind: str, respond: Responder) -> Iterator[SimulatedPad]:
    """`kind` is "pty" (a USB serial pad) or "tcp" (a pad on the network)."""
    link: PtyPad | TcpPad = PtyPad() if kind == "pty" else TcpPad()
    pad = SimulatedPad(link)

    def seen(prompt: Prompt) -> str | None:
        pad.prompts.append(prompt)
        pad.asked.set()
        return respond(prompt)

    stop = threading.Event()
    thread = threading.Thread(target=link.serve, args=(seen, lambda _: None, stop), daemon=True)
    thread.start()
    try:
        yield pad
    finally:
        stop.set()
        link.close()
        thread.join(5)
