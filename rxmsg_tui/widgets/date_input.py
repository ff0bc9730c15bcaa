"""A one-line date field that takes 12/01/2026 or 2026-12-01 and says plainly when one is wrong."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from rxmsg_tui.domain.typed_days import read_day


class DateInput(Input):
    """An Input for a day as US staff write it (`MM/DD/YYYY`) or in ISO (`YYYY-MM-DD`); blank
    means no limit.

    Only digits, dashes and slashes can be typed, so the one mistake left to
    report is a date that does not exist, which `read` names in words staff can
    act on. A day is shown in ISO, as the status line and the files say it.
    """

    DEFAULT_CSS = """
    DateInput {
        width: 12;
    }
    DateInput.-bad-date {
        color: $text-error;
    }
    """

    def __init__(self, value: date | None = None, *, id: str | None = None) -> None:
        super().__init__(
            value=value.isoformat() if value else "",
            placeholder="YYYY-MM-DD",
            restrict=r"[0-9/-]*",
            max_length=10,
            compact=True,
            id=id,
        )

    def read(self) -> date | None:
        """The date typed, or None when blank; ValueError names the problem."""
        text = self.value.strip()
        if not text:
            self.remove_class("-bad-date")
            return None
        try:
            day = read_day(text)
        except ValueError:
            self.add_class("-bad-date")
            raise
        self.remove_class("-bad-date")
        return day

    def show(self, day: date | None) -> None:
        self.value = day.isoformat() if day else ""
        self.remove_class("-bad-date")
