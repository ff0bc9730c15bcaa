"""The labelled columns every rule's SELECT shares: who the patient is and where to write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, func, null
from sqlalchemy.sql import ColumnElement

from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.services.daily.eligibility import recipient
from rxmsg_tui.services.daily.sql import DRUG, PATIENT, RX, Dialect, text_of
from rxmsg_tui.storage.queries import concat


def patient_columns(channel: Channel) -> list[ColumnElement[Any]]:
    name = func.trim(concat(PATIENT.c.first_name, " ", PATIENT.c.last_name))
    return [
        PATIENT.c.id.label("patient_pk"),
        recipient(channel).label("recipient"),
        PATIENT.c.language.label("language"),
        PATIENT.c.first_name.label("patient_first_name"),
        PATIENT.c.last_name.label("patient_last_name"),
        name.label("patient_name"),
    ]


def for_patient(channel: Channel) -> list[ColumnElement[Any]]:
    """A message about the patient: the queue's Entity column names them."""
    name = func.trim(concat(PATIENT.c.first_name, " ", PATIENT.c.last_name))
    return [
        *patient_columns(channel),
        cast(null(), Integer).label("prescription_id"),
        name.label("entity_name"),
    ]


def for_prescription(channel: Channel, dialect: Dialect) -> list[ColumnElement[Any]]:
    """A message about an Rx (`DRUG` joined): the queue shows `Rx <number>`."""
    return [
        *patient_columns(channel),
        RX.c.id.label("prescription_id"),
        concat("Rx ", RX.c.rx_number).label("entity_name"),
        RX.c.rx_number.label("rx_number"),
        DRUG.c.name.label("drug_name"),
        dialect.us_date(RX.c.due_date).label("due_date"),
        text_of(RX.c.refills_remaining).label("refills_remaining"),
    ]
