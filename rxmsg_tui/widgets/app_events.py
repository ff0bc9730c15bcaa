"""Events the App posts about work done off screen: the scheduler's state, the queue changing."""

from __future__ import annotations

from textual.message import Message


class SchedulerStateChanged(Message):
    """The in-process scheduler became `off`, `standby` or `running`."""

    def __init__(self, state: str) -> None:
        super().__init__()
        self.state = state


class QueueChanged(Message, bubble=False):
    """The dispatcher changed messages in the queue; screens showing it read it again.

    It does not bubble: the App hands it to each screen, and a screen's copy
    must not come back to the App to be handed out again.
    """
