"""The values a template is rendered with, for one patient at one store."""

from __future__ import annotations

from datetime import date

from rxmsg_tui.storage.models import Patient, Store

OPT_OUT_TEXT = "Reply STOP to opt out, HELP for help."


def patient_values(store: Store, patient: Patient, today: date, **extra: str) -> dict[str, str]:
    """Every catalogue variable that does not depend on a prescription, plus `extra`."""
    address = ", ".join(part for part in (store.address, store.city) if part)
    values = {
        "patient_name": f"{patient.first_name} {patient.last_name}".strip(),
        "patient_first_name": patient.first_name,
        "patient_last_name": patient.last_name,
        "store_name": store.name,
        "store_phone": store.phone,
        "store_address": address,
        "store_hours": store.hours,
        "today": today.strftime("%m/%d/%Y"),
        "opt_out": OPT_OUT_TEXT,
    }
    values.update(extra)
    return values
