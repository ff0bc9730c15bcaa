"""Step 1 of Send Email/SMS: the listing's filters, Email/SMS boxes and the patients to tick.

The step holds the form and the rows on show; which patients are ticked is
the wizard's (it outlives the rows, which are read a page at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from rxmsg_tui.services.errors import FieldError
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox

YES_NO = [("yes", True), ("no", False)]
LANGUAGES = [("English", "en"), ("Spanish", "es")]
CONSENTS = [
    ("transactional", "transactional"),
    ("marketing", "marketing"),
    ("none", "none"),
]


@dataclass(frozen=True)
class FilterForm:
    """The filter fields as typed, before they are checked."""

    search: str = ""
    birth_month: str = ""
    age_min: str = ""
    age_max: str = ""
    zip_prefix: str = ""
    has_cell: bool | None = None
    has_email: bool | None = None
    language: str | None = None
    last_fill_from: str = ""
    last_fill_to: str = ""
    drug_name: str = ""
    consent: str | None = None

    def checked(self) -> dict[str, Any]:
        """The `PatientFilter` fields; a FieldError names the first field typed wrong."""
        return {
            "search": self.search.strip(),
            "birth_month": _number("birth-month", "Birth month", self.birth_month, 1, 12),
            "age_min": _number("age-min", "Age from", self.age_min, 0, 130),
            "age_max": _number("age-max", "Age to", self.age_max, 0, 130),
            "zip_prefix": self.zip_prefix.strip(),
            "has_cell": self.has_cell,
            "has_email": self.has_email,
            "language": self.language,
            "last_fill_from": _date("fill-from", "Last fill from", self.last_fill_from),
            "last_fill_to": _date("fill-to", "Last fill to", self.last_fill_to),
            "drug_name": self.drug_name.strip(),
            "consent": self.consent,
        }


def _number(field: str, name: str, text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise FieldError(field, f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _date(field: str, name: str, text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"{name} must be a date as YYYY-MM-DD, not “{text}”") from None


class PatientsStep(Vertical):
    """Filters on two lines (more behind F5), the method boxes, the list and its counts."""

    def __init__(self, candidates: Widget, *, search: str = "", one_patient: bool = False) -> None:
        super().__init__(id="step-patients")
        self.candidates = candidates
        self.search = search
        self.one_patient = one_patient

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-line"):
            yield Label("Search ")
            yield Input(self.search, placeholder="name or patient ID", id="search", compact=True)
            yield Label(" ZIP ")
            yield Input(placeholder="prefix", id="zip", compact=True, max_length=10)
            yield Label(" Drug ")
            yield Input(placeholder="name", id="drug", compact=True)
        with Vertical(id="more-filters"):
            with Horizontal(classes="filter-line"):
                yield Label("Birth month ")
                yield Input(placeholder="1-12", id="birth-month", compact=True, max_length=2)
                yield Label(" Age ")
                yield Input(placeholder="from", id="age-min", compact=True, max_length=3)
                yield Input(placeholder="to", id="age-max", compact=True, max_length=3)
                yield Label(" Last fill ")
                yield Input(placeholder="YYYY-MM-DD", id="fill-from", compact=True)
                yield Input(placeholder="YYYY-MM-DD", id="fill-to", compact=True)
            with Horizontal(classes="filter-line"):
                yield Select(YES_NO, prompt="has cell?", id="has-cell", compact=True)
                yield Select(YES_NO, prompt="has email?", id="has-email", compact=True)
                yield Select(LANGUAGES, prompt="language", id="language", compact=True)
                yield Select(CONSENTS, prompt="consent", id="consent", compact=True)
        with Horizontal(id="methods"):
            yield MarkedCheckbox("Email", True, id="by-email", compact=True)
            yield MarkedCheckbox("SMS", True, id="by-sms", compact=True)
            yield Static("", id="filter-problem")
        yield self.candidates
        yield Static("Selected 0 · by email 0 · by SMS 0", id="count-line")

    def on_mount(self) -> None:
        if self.one_patient:
            self.query_one(".filter-line").display = False
        self.query_one("#more-filters").display = False

    def form(self) -> FilterForm:
        """The filters as typed now."""
        return FilterForm(
            search=self._text("search"),
            birth_month=self._text("birth-month"),
            age_min=self._text("age-min"),
            age_max=self._text("age-max"),
            zip_prefix=self._text("zip"),
            has_cell=self._choice("has-cell"),
            has_email=self._choice("has-email"),
            language=self._choice("language"),
            last_fill_from=self._text("fill-from"),
            last_fill_to=self._text("fill-to"),
            drug_name=self._text("drug"),
            consent=self._choice("consent"),
        )

    def methods(self) -> tuple[bool, bool]:
        """(email, sms) as ticked above the list."""
        email = self.query_one("#by-email", MarkedCheckbox).value
        return email, self.query_one("#by-sms", MarkedCheckbox).value

    def toggle_more(self) -> None:
        more = self.query_one("#more-filters")
        more.display = not more.display

    def show_problem(self, text: str, field: str = "") -> None:
        self.query_one("#filter-problem", Static).update(text)
        if field:
            if field not in {"search", "zip", "drug"}:
                self.query_one("#more-filters").display = True
            self.query_one(f"#{field}").focus()

    def _text(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def _choice(self, field: str) -> Any:
        value = self.query_one(f"#{field}", Select).value
        return None if value is Select.NULL else value
