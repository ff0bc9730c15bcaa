"""Who is on a phone number: every patient whose cell it is (a household), and their STOP."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, col, select

from rxmsg_tui.services.consent_state import consent_states
from rxmsg_tui.storage.models import Patient


@dataclass(frozen=True)
class ChatPatient:
    """A patient on a thread's number; `opted_out` when their latest SMS consent is a STOP."""

    pk: int
    patient_id: str
    name: str
    opted_out: bool


def households(
    session: Session, store_id: int, phones: Collection[str]
) -> dict[str, tuple[ChatPatient, ...]]:
    """The patients of each number, by name, in two queries whatever the number of threads."""
    if not phones:
        return {}
    query = (
        select(Patient)
        .where(Patient.store_id == store_id, col(Patient.cell_phone).in_(list(phones)))
        .order_by(col(Patient.last_name), col(Patient.first_name), col(Patient.id))
    )
    patients = list(session.exec(query))
    states = consent_states(session, [p.id for p in patients if p.id is not None])
    found: dict[str, list[ChatPatient]] = {}
    for patient in patients:
        assert patient.id is not None and patient.cell_phone is not None
        state = states.get(patient.id)
        found.setdefault(patient.cell_phone, []).append(
            ChatPatient(
                patient.id,
                patient.patient_id,
                f"{patient.first_name} {patient.last_name}".strip(),
                bool(state and state.sms_opted_out),
            )
        )
    return {phone: tuple(people) for phone, people in found.items()}


def household_name(patients: tuple[ChatPatient, ...]) -> str:
    """What a thread is called: the patient, the household, or "Unknown sender"."""
    if not patients:
        return "Unknown sender"
    if len(patients) == 1:
        return patients[0].name
    return f"{patients[0].name} +{len(patients) - 1}"
