"""Opt-in at the counter: the store's wording asked on the signature pad, the answer kept.

The legacy interface showed an opt-in message on the signature pad; here it
is the store's wording (`services.sigpad_wording`) in the patient's language,
English when there is none in theirs. The patient's answer
becomes consent ledger rows with source `sigpad`, the wording version and the
signature's sha256; with "Apply Default Options while Patient Consent on
Sigpad" the store's patient defaults are written at that moment, and the
daily process sends the Welcome Greeting from that consent (DESIGN.md §4).

Nobody is kept waiting inside a transaction: the wording is read, the pad is
asked (which may take the patient a minute), and only then is everything
written in one transaction with its audit row. Any fault of the pad records
nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session, select

from rxmsg_tui.devices.sigpad import PadAnswer, SignaturePad, SigpadCancelled, SigpadError
from rxmsg_tui.domain.vocabulary import ConsentPurpose, ConsentSource
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound, ServiceError
from rxmsg_tui.services.patient_defaults import apply_defaults_to_patient
from rxmsg_tui.services.sigpad_wording import (
    FALLBACK_LANGUAGE,
    PURPOSES,
    Wording,
    seed_defaults,
    wording_for,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Consent, Patient
from rxmsg_tui.storage.queries import patient_defaults_of

DEFAULT_TIMEOUT = 120.0
"""Seconds the patient has to read and sign before staff are told nobody answered."""


class PadFault(ServiceError):
    """The pad gave no answer (not connected, timeout, garbage, unplugged): nothing recorded."""


class Cancelled(PadFault):
    """Staff stopped waiting for the patient."""


class ConsentPad(Protocol):
    """What asking needs of a pad: `SignaturePad` or a test's stand-in."""

    def ask(self, prompt_id: str, text: str, timeout: float) -> PadAnswer: ...


@dataclass(frozen=True)
class Asked:
    """One prompt and the patient's answer to it."""

    wording: Wording
    agreed: bool
    signature_sha256: str


@dataclass(frozen=True)
class ConsentOutcome:
    patient_id: str
    name: str
    transactional: Asked
    marketing: Asked | None
    """None when marketing was not asked (not wanted, or the patient said NO to messages)."""
    defaults_applied: bool

    @property
    def agreed(self) -> bool:
        return self.transactional.agreed

    def summary(self) -> str:
        """One line naming what was recorded, for the CLI and the dialog."""
        said = self.transactional
        if not said.agreed:
            return (
                f"{self.patient_id}: the patient said NO on the signature pad; "
                f"refusal recorded (wording {said.wording.version})"
            )
        line = (
            f"{self.patient_id}: consent recorded for {', '.join(said.wording.channels)} "
            f"(transactional, wording {said.wording.version}, "
            f"signature {said.signature_sha256[:12]}…)"
        )
        if self.marketing is not None:
            line += "; marketing " + ("granted" if self.marketing.agreed else "refused")
        if self.defaults_applied:
            line += "; the store's patient defaults applied"
        return line


def pad_from_settings(url: str | None, *, baudrate: int) -> SignaturePad:
    """The store's pad, or a PadFault telling staff to set RXMSG_SIGPAD_URL."""
    if not url or not url.strip():
        raise PadFault(
            "no signature pad is set up: set RXMSG_SIGPAD_URL to its port "
            "(e.g. /dev/ttyUSB0 or socket://host:port)"
        )
    return SignaturePad(url.strip(), baudrate=baudrate)


@dataclass(frozen=True)
class ToAsk:
    """What the pad will show a patient: for the dialog before staff start."""

    patient_id: str
    name: str
    transactional: Wording
    marketing: Wording


def wordings_to_ask(db: Database, actor: Actor, patient_id: str, *, now: datetime) -> ToAsk:
    with db.transaction() as session:
        patient = _patient(session, actor.store_id, patient_id)
        seed_defaults(session, actor.store_id, now)
        language = patient.language or FALLBACK_LANGUAGE
        found = {p: wording_for(session, actor.store_id, p, language) for p in PURPOSES}
    return ToAsk(
        patient.patient_id,
        f"{patient.last_name}, {patient.first_name}",
        found[ConsentPurpose.TRANSACTIONAL.value],
        found[ConsentPurpose.MARKETING.value],
    )


def ask_for_consent(
    db: Database,
    actor: Actor,
    pad: ConsentPad,
    patient_id: str,
    *,
    marketing: bool,
    now: Callable[[], datetime],
    timeout: float = DEFAULT_TIMEOUT,
    showing: Callable[[Wording], object] | None = None,
) -> ConsentOutcome:
    """Ask on the pad, then record the answer; `now` is read when the patient has answered.

    `showing` hears of each wording as it goes to the pad (the patient exists
    by then), so staff can be told what the patient is reading.

    Marketing is a second, separate prompt, asked only when wanted and only
    after a YES to messages. Counter staff (technicians too) may ask: the
    consent is the patient's own choice, not the store's setup.
    """
    with db.transaction() as session:
        patient = _patient(session, actor.store_id, patient_id)
        seed_defaults(session, actor.store_id, now())
        language = patient.language or FALLBACK_LANGUAGE
        wordings = {p: wording_for(session, actor.store_id, p, language) for p in PURPOSES}
    first = _ask(pad, wordings[ConsentPurpose.TRANSACTIONAL.value], timeout, showing)
    second = None
    if marketing and first.agreed:
        second = _ask(pad, wordings[ConsentPurpose.MARKETING.value], timeout, showing)
    if getattr(pad, "cancelled", False):
        raise Cancelled("stopped waiting for the patient; nothing was recorded")
    return _record(db, actor, patient_id, first, second, now())


def _ask(
    pad: ConsentPad,
    wording: Wording,
    timeout: float,
    showing: Callable[[Wording], object] | None,
) -> Asked:
    prompt_id = secrets.token_hex(6)
    if showing is not None:
        showing(wording)
    try:
        answer = pad.ask(prompt_id, wording.text, timeout)
    except SigpadCancelled:
        raise Cancelled("stopped waiting for the patient; nothing was recorded") from None
    except SigpadError as exc:
        raise PadFault(f"{exc}; nothing was recorded") from None
    return Asked(wording, answer.yes, answer.signature_sha256 if answer.yes else "")


def _record(
    db: Database,
    actor: Actor,
    patient_id: str,
    first: Asked,
    second: Asked | None,
    at: datetime,
) -> ConsentOutcome:
    with db.transaction() as session:
        patient = _patient(session, actor.store_id, patient_id)
        assert patient.id is not None  # read from the database
        for asked in (first, second):
            if asked is not None:
                _ledger_rows(session, actor, patient.id, asked, at)
        applied = first.agreed and _applies_defaults_on_sigpad(session, actor.store_id)
        if applied:
            apply_defaults_to_patient(session, actor.store_id, patient.id)
        outcome = ConsentOutcome(
            patient.patient_id, f"{patient.last_name}, {patient.first_name}", first, second, applied
        )
        audit.record(
            session,
            actor,
            "patient.consent.sigpad",
            at=at,
            target=patient.patient_id,
            after={
                "answers": [
                    {
                        "purpose": a.wording.purpose,
                        "wording_version": a.wording.version,
                        "channels": list(a.wording.channels),
                        "agreed": a.agreed,
                        "signature_sha256": a.signature_sha256,
                    }
                    for a in (first, second)
                    if a is not None
                ],
                "defaults_applied": applied,
            },
        )
        return outcome


def _ledger_rows(
    session: Session, actor: Actor, patient_pk: int, asked: Asked, at: datetime
) -> None:
    """One row per channel the wording names: granted on YES, a refusal on NO."""
    for channel in asked.wording.channels:
        session.add(
            Consent(
                store_id=actor.store_id,
                patient_id=patient_pk,
                channel=channel,
                purpose=asked.wording.purpose,
                granted=asked.agreed,
                source=ConsentSource.SIGPAD.value,
                wording_version=asked.wording.version,
                evidence=asked.signature_sha256,
                username=actor.username,
                recorded_at=at,
            )
        )
    session.flush()


def _applies_defaults_on_sigpad(session: Session, store_id: int) -> bool:
    found = patient_defaults_of(session.connection(), store_id)
    return found is not None and found[0] == "sigpad_consent"


def _patient(session: Session, store_id: int, patient_id: str) -> Patient:
    wanted = patient_id.strip()
    if not wanted:
        raise FieldError("patient_id", "enter a patient ID")
    found = session.exec(
        select(Patient).where(Patient.store_id == store_id, Patient.patient_id == wanted)
    ).first()
    if found is None:
        raise NotFound(f"no patient with ID {wanted!r} at this store")
    return found
