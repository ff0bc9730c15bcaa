"""The catalogue of template variables: legacy `#NAME#`, Jinja name, where it applies, a sample.

Staff write `#PATIENTFIRSTNAME#` as in the legacy system; the same value is
`{{ patient_first_name }}` in Jinja syntax. A variable that only makes sense
for some alert types (a verification code in a birthday greeting) is refused
at save. Each variable has a realistic sample and a longest one (as long as
the database keeps it), and a format is tried with both before it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from rxmsg_tui.domain.vocabulary import AlertType

ALL_ALERTS: frozenset[AlertType] = frozenset(AlertType)
_RX_ALERTS = frozenset(
    {AlertType.REFILL_REMINDER, AlertType.READY_FOR_PICKUP, AlertType.PICKUP_CONFIRMATION}
)


@dataclass(frozen=True)
class TemplateVariable:
    legacy: str
    """The name between hashes: `PATIENTNAME` for `#PATIENTNAME#`."""
    name: str
    """The Jinja name: `patient_name`."""
    description: str
    sample: str
    longest: int
    """The most characters the value can have (the storage column's length)."""
    applies_to: frozenset[AlertType] = ALL_ALERTS
    any_letters: bool = False
    """Imported names may hold letters GSM-7 lacks (Ngọc, Łukasz), which turn an SMS to UCS-2."""

    @property
    def token(self) -> str:
        return f"#{self.legacy}#"

    @property
    def long_sample(self) -> str:
        """The sample repeated to `longest` characters (led by a non-GSM letter for names)."""
        seed = f"Ngọc {self.sample}" if self.any_letters else self.sample
        return (f"{seed} " * (self.longest // (len(seed) + 1) + 1))[: self.longest]


_V = TemplateVariable
_ADDRESS = 200 + len(", ") + 80  # store.address, store.city
VARIABLES: tuple[TemplateVariable, ...] = (
    _V("PATIENTNAME", "patient_name", "Patient's full name", "Maria Lopez", 80 + 1 + 80,
       any_letters=True),
    _V("PATIENTFIRSTNAME", "patient_first_name", "Patient's first name", "Maria", 80,
       any_letters=True),
    _V("PATIENTLASTNAME", "patient_last_name", "Patient's last name", "Lopez", 80,
       any_letters=True),
    _V("STORENAME", "store_name", "Pharmacy name", "Main Street Pharmacy", 120),
    _V("STOREPHONE", "store_phone", "Pharmacy phone", "(555) 010-2000", 32),
    _V("STOREADDRESS", "store_address", "Pharmacy street address", "120 Main St, Springfield",
       _ADDRESS),
    _V("STOREHOURS", "store_hours", "Opening hours", "Mon-Fri 9-7, Sat 9-2", 200),
    _V("TODAY", "today", "Today's date at the store", "03/02/2026", 10),
    _V("RXNUMBER", "rx_number", "Prescription number", "1042337", 20, _RX_ALERTS),
    _V("DRUGNAME", "drug_name", "Drug name (avoid in SMS: minimum necessary PHI)",
       "Atorvastatin 20 mg", 120, _RX_ALERTS),
    _V("DUEDATE", "due_date", "Date the refill is due", "03/05/2026", 10,
       frozenset({AlertType.REFILL_REMINDER})),
    _V("REFILLSREMAINING", "refills_remaining", "Refills left on the prescription", "3", 3,
       frozenset({AlertType.REFILL_REMINDER})),
    _V("PICKUPDATE", "pickup_date", "Date the prescription was picked up", "03/02/2026", 10,
       frozenset({AlertType.PICKUP_CONFIRMATION, AlertType.CUSTOMER_REVIEW})),
    _V("VERIFICATIONCODE", "verification_code", "One-time code to verify a cell phone or email",
       "482913", 6, frozenset({AlertType.VERIFICATION})),
    _V("REVIEWURL", "review_url", "The store's default review site",
       "https://g.page/r/main-street-pharmacy/review", 500,
       frozenset({AlertType.CUSTOMER_REVIEW})),
    _V("OPTOUT", "opt_out", "How to stop texts", "Reply STOP to opt out, HELP for help.", 37),
)  # fmt: skip

BY_LEGACY: dict[str, TemplateVariable] = {v.legacy: v for v in VARIABLES}
BY_NAME: dict[str, TemplateVariable] = {v.name: v for v in VARIABLES}


def variables_for(alert_type: AlertType) -> list[TemplateVariable]:
    """The variables staff may insert into a format of this alert type."""
    return [v for v in VARIABLES if alert_type in v.applies_to]


def sample_values(alert_type: AlertType | None = None) -> dict[str, str]:
    """Sample data for previews and save-time checks (every variable, keyed by Jinja name)."""
    return {v.name: v.sample for v in VARIABLES if alert_type is None or alert_type in v.applies_to}


def long_values(alert_type: AlertType | None = None) -> dict[str, str]:
    """Every variable at its longest, for the save-time check of a format's size."""
    return {
        v.name: v.long_sample for v in VARIABLES if alert_type is None or alert_type in v.applies_to
    }
