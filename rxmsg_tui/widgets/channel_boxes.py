"""Email / SMS / Call checkboxes for one alert: the channels an alert goes out on."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Checkbox

from rxmsg_tui.domain.settings_keys import CHANNELS
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox

LABELS = {"email": "Email", "sms": "SMS", "call": "Call"}


class ChannelBoxes(Horizontal):
    """One checkbox per channel, read and set as the settings list (`["email", "sms"]`).

    General and Customer Review messages have no call: those rows offer
    only Email and SMS, as the legacy screen does.
    """

    DEFAULT_CSS = """
    ChannelBoxes {
        height: 1;
        width: auto;
    }
    ChannelBoxes Checkbox {
        width: auto;
        min-width: 9;
        margin-right: 2;
    }
    """

    def __init__(
        self,
        value: Sequence[str] = (),
        *,
        channels: Sequence[str] = CHANNELS,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.channels = tuple(channels)
        self._initial = set(value)

    def compose(self) -> ComposeResult:
        for channel in self.channels:
            yield MarkedCheckbox(
                LABELS[channel],
                channel in self._initial,
                compact=True,
                name=channel,
                classes=f"channel-{channel}",
            )

    @property
    def value(self) -> list[str]:
        boxes = self.query(Checkbox)
        ticked = {box.name for box in boxes if box.value} if boxes else self._initial
        return [c for c in CHANNELS if c in ticked]

    @value.setter
    def value(self, channels: Sequence[str]) -> None:
        self._initial = set(channels)
        for box in self.query(Checkbox):
            box.value = box.name in channels
