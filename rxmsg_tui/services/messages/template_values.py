"""The values a template is rendered with, for one patient at one store."""

from __future__ import annotations

from datetime import date

from rxmsg_tui.storage.models import Patient, Store

OPT_OUT_TEXT = "Reply STOP to opt out, HELP for help."


def store_values(store: Store, today: date) -> dict[str, str]:
    """The variables that are the same for every patient of the store on `today`."""
    address = ", ".join(part for part in (store.address, store.city) if part)
    return {
        "store_name": store.name,
        "store_phone": store.phone,
        "store_address": address,
        "store_hours": store.hours,
        "today": today.strftime("%m/%d/%Y"),
        "opt_out": OPT_OUT_TEXT,
    }


def patient_values(store: Store, patient: Patient, today: date, **extra: str) -> dict[str, str]:
    """Every catalogue variable that does not depend on a prescription, plus `extra`."""
    values = {
        "patient_name": f"{patient.first_name} {patient.last_name}".strip(),
        "patient_first_name": patient.first_name,
        "patient_last_name": patient.last_name,
    }
    values.update(store_values(store, today))
    values.update(extra)
    return values
