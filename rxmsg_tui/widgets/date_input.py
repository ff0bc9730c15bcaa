"""A one-line date field that takes ISO dates (YYYY-MM-DD) and says plainly when one is wrong."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input


class DateInput(Input):
    """An Input for `YYYY-MM-DD`; blank means no limit.

    Only digits and dashes can be typed, so the one mistake left to report is
    a date that does not exist, which `read` names in words staff can act on.
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
            restrict=r"[0-9-]*",
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
            if len(text) != 10:
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            self.add_class("-bad-date")
            raise ValueError(f"{text} is not a date: type it as YYYY-MM-DD") from None
        self.remove_class("-bad-date")
        return day

    def show(self, day: date | None) -> None:
        self.value = day.isoformat() if day else ""
        self.remove_class("-bad-date")
