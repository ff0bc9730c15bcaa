"""The catalogue of template variables: legacy `#NAME#`, Jinja name, where it applies, a sample.

Staff write `#PATIENTFIRSTNAME#` as in the legacy system; the same value is
`{{ patient_first_name }}` in Jinja syntax. A variable that only makes sense
for some alert types (a verification code in a birthday greeting) is refused
at save.
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
    applies_to: frozenset[AlertType] = ALL_ALERTS

    @property
    def token(self) -> str:
        return f"#{self.legacy}#"


VARIABLES: tuple[TemplateVariable, ...] = (
    TemplateVariable("PATIENTNAME", "patient_name", "Patient's full name", "Maria Lopez"),
    TemplateVariable("PATIENTFIRSTNAME", "patient_first_name", "Patient's first name", "Maria"),
    TemplateVariable("PATIENTLASTNAME", "patient_last_name", "Patient's last name", "Lopez"),
    TemplateVariable("STORENAME", "store_name", "Pharmacy name", "Main Street Pharmacy"),
    TemplateVariable("STOREPHONE", "store_phone", "Pharmacy phone", "(555) 010-2000"),
    TemplateVariable(
        "STOREADDRESS", "store_address", "Pharmacy street address", "120 Main St, Springfield"
    ),
    TemplateVariable("STOREHOURS", "store_hours", "Opening hours", "Mon-Fri 9-7, Sat 9-2"),
    TemplateVariable("TODAY", "today", "Today's date at the store", "03/02/2026"),
    TemplateVariable("RXNUMBER", "rx_number", "Prescription number", "1042337", _RX_ALERTS),
    TemplateVariable(
        "DRUGNAME",
        "drug_name",
        "Drug name (avoid in SMS: minimum necessary PHI)",
        "Atorvastatin 20 mg",
        _RX_ALERTS,
    ),
    TemplateVariable(
        "DUEDATE",
        "due_date",
        "Date the refill is due",
        "03/05/2026",
        frozenset({AlertType.REFILL_REMINDER}),
    ),
    TemplateVariable(
        "REFILLSREMAINING",
        "refills_remaining",
        "Refills left on the prescription",
        "3",
        frozenset({AlertType.REFILL_REMINDER}),
    ),
    TemplateVariable(
        "PICKUPDATE",
        "pickup_date",
        "Date the prescription was picked up",
        "03/02/2026",
        frozenset({AlertType.PICKUP_CONFIRMATION, AlertType.CUSTOMER_REVIEW}),
    ),
    TemplateVariable(
        "VERIFICATIONCODE",
        "verification_code",
        "One-time code to verify a cell phone or email",
        "482913",
        frozenset({AlertType.VERIFICATION}),
    ),
    TemplateVariable(
        "REVIEWURL",
        "review_url",
        "The store's default review site",
        "https://g.page/r/main-street-pharmacy/review",
        frozenset({AlertType.CUSTOMER_REVIEW}),
    ),
    TemplateVariable(
        "OPTOUT", "opt_out", "How to stop texts", "Reply STOP to opt out, HELP for help."
    ),
)

BY_LEGACY: dict[str, TemplateVariable] = {v.legacy: v for v in VARIABLES}
BY_NAME: dict[str, TemplateVariable] = {v.name: v for v in VARIABLES}


def variables_for(alert_type: AlertType) -> list[TemplateVariable]:
    """The variables staff may insert into a format of this alert type."""
    return [v for v in VARIABLES if alert_type in v.applies_to]


def sample_values(alert_type: AlertType | None = None) -> dict[str, str]:
    """Sample data for previews and save-time checks (every variable, keyed by Jinja name)."""
    return {v.name: v.sample for v in VARIABLES if alert_type is None or alert_type in v.applies_to}
