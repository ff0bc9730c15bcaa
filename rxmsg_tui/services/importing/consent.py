"""Consent from an import, appended to the ledger only where it changes the current state.

Decided and staged before the write lock is taken (reading the ledger takes
no lock) and appended in the import's short transaction by one INSERT…SELECT;
a patient whose ledger changed in between (a STOP by text, a signature) is
decided again inside it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    Select,
    String,
    and_,
    delete,
    func,
    literal,
    select,
)

from rxmsg_tui.domain.settings_keys import CHANNELS
from rxmsg_tui.domain.vocabulary import ConsentPurpose, ConsentSource
from rxmsg_tui.services.importing.bulk import batches, insert_tuples, table
from rxmsg_tui.services.importing.staging import stage_table
from rxmsg_tui.storage.consent_current import lifted_on_sqlite
from rxmsg_tui.storage.deferred_indexes import indexes_built_after
from rxmsg_tui.storage.models import Consent, ConsentCurrent, Patient
from rxmsg_tui.storage.models.patient import ANY_PURPOSE

CONSENT = table(Consent)
CURRENT = table(ConsentCurrent)
PATIENT = table(Patient)

LOOKUP_BATCH = 2000
STORE_WIDE_FROM = 20_000
"""Known patients from which PostgreSQL reads the store's whole `consent_current` in one
statement: it plans each batch of 2,000 ids anew (a re-import of 200,000 patients spent 8 s
waiting on 100 of them; 5.4 s in all this way). On SQLite a batch is a few index range reads
and the batches hold a batch's rows at a time, not the store's (230 MiB more at 200,000)."""
_CURRENT_COLUMNS = (
    CURRENT.c.patient_id,
    CURRENT.c.channel,
    CURRENT.c.purpose,
    CURRENT.c.granted,
    CURRENT.c.source,
)

Key = tuple[str, str]
"""(channel, purpose) of one patient's ledger."""
Change = tuple[str, str, bool]
"""(channel, purpose, granted): one ledger row to append."""


class Wanted(NamedTuple):
    patient_id: str
    """The pharmacy system's id: new patients have no `patient.id` until written."""
    line: int
    transactional: bool
    marketing: bool | None


class Current(NamedTuple):
    granted: bool
    source: str


@dataclass
class ConsentOutcome:
    recorded: int = 0
    kept_revoked: int = 0


@dataclass
class ConsentPlan:
    """The ledger rows to append per patient, decided against the ledger as of `mark`."""

    wanted: dict[str, Wanted] = field(default_factory=dict)
    changes: list[tuple[Wanted, tuple[Change, ...]]] = field(default_factory=list)
    kept_revoked: dict[str, int] = field(default_factory=dict)
    mark: int = 0
    """The newest ledger row id when the ledger was read."""
    change_sets: dict[tuple[Change, ...], int] = field(default_factory=dict)
    """Each distinct set of changes staged so far, and its number in `CHANGE_SETS`."""


def plan_consent(
    conn: Connection, wanted: Sequence[Wanted], known: Mapping[str, int], *, store_id: int
) -> ConsentPlan:
    """Decide every patient's changes; `known` (patient_id → patient.id) have history.

    The current state per patient, channel and purpose is the latest ledger row
    (none means not granted). A grant in the file does not override a revocation
    the patient made directly (signature pad, verbal, STOP by text): a pharmacy
    system's stale `Y` must not undo an opt-out recorded since.
    """
    consent = table(Consent)
    plan = ConsentPlan(
        wanted={w.patient_id: w for w in wanted},
        mark=int(conn.scalar(select(func.max(consent.c.id))) or 0),
    )
    if len(known) > STORE_WIDE_FROM and conn.dialect.name == "postgresql":
        current = _current_of_store(conn, store_id)
        for item in wanted:
            _decide(plan, item, current.get(known.get(item.patient_id, -1), {}))
        return plan
    for batch in batches(wanted, LOOKUP_BATCH):
        current = _current(conn, [known[w.patient_id] for w in batch if w.patient_id in known])
        for item in batch:
            _decide(plan, item, current.get(known.get(item.patient_id, -1), {}))
    return plan


STAGE = stage_table(
    "import_consent_stage",
    [
        Column("patient_ref", String(64)),
        Column("change_set", Integer),
        Column("evidence", CONSENT.c.evidence.type),
    ],
)
"""A patient's changes by the pharmacy system's id (new patients have no id yet): one row per
patient, naming its set of changes in `CHANGE_SETS`, not one row per ledger row."""
CHANGE_SETS = stage_table(
    "import_consent_change_sets",
    [
        Column("change_set", Integer, primary_key=True),
        Column("position", Integer, primary_key=True),
        Column("channel", CONSENT.c.channel.type),
        Column("purpose", CONSENT.c.purpose.type),
        Column("granted", CONSENT.c.granted.type),
    ],
)
"""The few distinct sets of changes an import makes (a first import: one per consent shape)."""
STAGES = (STAGE, CHANGE_SETS)

STAGE_COLUMNS = ("patient_ref", "change_set", "evidence")
CHANGE_SET_COLUMNS = ("change_set", "position", "channel", "purpose", "granted")


def stage_consent(conn: Connection, plan: ConsentPlan, evidence: str) -> None:
    """Write the planned rows to `STAGE` and `CHANGE_SETS` (before the write lock; see
    `staging`). Three ledger rows a patient staged as one row: a first import of 200,000
    patients stages 200,000 rows, not 600,000, and the ledger rows are made by the join."""
    for table_ in STAGES:
        table_.create(conn, checkfirst=True)
    _stage_changes(conn, plan, plan.changes, evidence)


def _stage_changes(
    conn: Connection,
    plan: ConsentPlan,
    changes: list[tuple[Wanted, tuple[Change, ...]]],
    evidence: str,
) -> None:
    known = len(plan.change_sets)
    rows = _staged(plan.change_sets, changes, evidence)
    insert_tuples(conn, STAGE, STAGE_COLUMNS, rows)
    added = list(plan.change_sets.items())[known:]
    sets = [(number, position, *change) for changes_, number in added
            for position, change in enumerate(changes_)]  # fmt: skip
    insert_tuples(conn, CHANGE_SETS, CHANGE_SET_COLUMNS, sets)


def apply_consent(
    conn: Connection,
    plan: ConsentPlan,
    *,
    store_id: int,
    evidence: str,
    username: str,
    now: datetime,
) -> ConsentOutcome:
    """Append the staged rows to the ledger, inside the write transaction, in one statement.

    On SQLite the ledger's row trigger is lifted for that statement and
    `consent_current` brought up to date after it by one upsert (see
    `lifted_on_sqlite`): the trigger's two upserts per row cost more than the
    rows themselves.
    """
    changed = _changed_since(conn, store_id, plan.mark)
    if changed:
        _decide_again(conn, plan, store_id, changed, evidence)
    rows = select(
        literal(store_id, CONSENT.c.store_id.type),
        PATIENT.c.id,
        CHANGE_SETS.c.channel,
        CHANGE_SETS.c.purpose,
        CHANGE_SETS.c.granted,
        literal(ConsentSource.IMPORT.value, CONSENT.c.source.type),
        literal("", CONSENT.c.wording_version.type),
        STAGE.c.evidence,
        literal(username, CONSENT.c.username.type),
        literal(now, CONSENT.c.recorded_at.type),
    ).select_from(
        STAGE.join(
            PATIENT,
            and_(PATIENT.c.store_id == store_id, PATIENT.c.patient_id == STAGE.c.patient_ref),
        ).join(CHANGE_SETS, CHANGE_SETS.c.change_set == STAGE.c.change_set)
    )
    columns = ["store_id", "patient_id", "channel", "purpose", "granted", "source",
               "wording_version", "evidence", "username", "recorded_at"]  # fmt: skip
    statement = CONSENT.insert().from_select(columns, rows)
    adding = sum(len(changes) for _, changes in plan.changes)
    with (
        lifted_on_sqlite(conn),  # `consent_current` caught up in one statement, not per row
        indexes_built_after(conn, CONSENT, adding=adding),
    ):
        result = conn.execute(statement.execution_options(preserve_rowcount=True))
    return ConsentOutcome(max(result.rowcount, 0), sum(plan.kept_revoked.values()))


def _decide(plan: ConsentPlan, item: Wanted, current: Mapping[Key, Current]) -> None:
    if not current:  # no ledger yet (every patient of a first import): grants only
        if grants := _grants(item.transactional, item.marketing):
            plan.changes.append((item, grants))
        return
    changes: list[Change] = []
    kept = 0
    for key, granted in _desired(item.transactional, item.marketing):
        state = current.get(key)
        if granted == (state is not None and state.granted):
            continue
        if granted and state is not None and state.source != ConsentSource.IMPORT:
            kept += 1
            continue
        changes.append((key[0], key[1], granted))
    if changes:
        plan.changes.append((item, tuple(changes)))
    if kept:
        plan.kept_revoked[item.patient_id] = kept


def _decide_again(
    conn: Connection, plan: ConsentPlan, store_id: int, changed: set[int], evidence: str
) -> None:
    """Patients whose ledger changed after it was read are decided on the ledger of now."""
    found = conn.execute(
        select(PATIENT.c.patient_id, PATIENT.c.id).where(
            PATIENT.c.store_id == store_id, PATIENT.c.id.in_(changed)
        )
    )
    ids = {patient_id: pk for patient_id, pk in found if patient_id in plan.wanted}
    if not ids:
        return
    conn.execute(delete(STAGE).where(STAGE.c.patient_ref.in_(list(ids))))
    current = _current(conn, list(ids.values()))
    again = ConsentPlan()
    for patient_id, pk in ids.items():
        plan.kept_revoked.pop(patient_id, None)
        _decide(again, plan.wanted[patient_id], current.get(pk, {}))
    plan.kept_revoked.update(again.kept_revoked)
    _stage_changes(conn, plan, again.changes, evidence)


def _changed_since(conn: Connection, store_id: int, mark: int) -> set[int]:
    consent = table(Consent)
    query = (
        select(consent.c.patient_id)
        .where(consent.c.store_id == store_id, consent.c.id > mark)
        .distinct()
    )
    return set(conn.scalars(query))


def _staged(
    numbers: dict[tuple[Change, ...], int],
    changes: list[tuple[Wanted, tuple[Change, ...]]],
    evidence: str,
) -> Iterator[tuple[Any, ...]]:
    """`STAGE_COLUMNS` rows built as they are written, a batch at a time (a store's are GBs);
    a set of changes not seen before is given the next number in `numbers`."""
    for item, wanted in changes:
        number = numbers.setdefault(wanted, len(numbers))
        yield item.patient_id, number, f"{evidence}:{item.line}"[-128:]


@functools.cache
def _desired(transactional: bool, marketing: bool | None) -> tuple[tuple[Key, bool], ...]:
    """The state the file asks for, per channel and purpose (marketing None: left alone)."""
    wanted: list[tuple[Key, bool]] = []
    for channel in CHANNELS:
        wanted.append(((channel, ConsentPurpose.TRANSACTIONAL.value), transactional))
        if marketing is not None:
            wanted.append(((channel, ConsentPurpose.MARKETING.value), marketing))
    return tuple(wanted)


@functools.cache
def _grants(transactional: bool, marketing: bool | None) -> tuple[Change, ...]:
    """The changes for a patient without ledger rows: none means not granted, so grants only."""
    return tuple(
        (channel, purpose, True)
        for (channel, purpose), granted in _desired(transactional, marketing)
        if granted
    )


def _current_of_store(conn: Connection, store_id: int) -> dict[int, dict[Key, Current]]:
    """`_current` for every patient of the store, in one statement (see `STORE_WIDE_FROM`)."""
    query = select(*_CURRENT_COLUMNS).where(
        CURRENT.c.store_id == store_id, CURRENT.c.purpose != ANY_PURPOSE
    )
    return _by_patient(conn, query)


def _by_patient(conn: Connection, query: Select[Any]) -> dict[int, dict[Key, Current]]:
    found: dict[int, dict[Key, Current]] = {}
    for patient, channel, purpose, granted, source in conn.execute(query):
        found.setdefault(patient, {})[(channel, purpose)] = Current(bool(granted), source)
    return found


def _current(conn: Connection, patients: list[int]) -> dict[int, dict[Key, Current]]:
    """The consent that holds per patient, channel and purpose: `consent_current`'s rows.

    The table the database keeps equal to the newest ledger row, read by its
    key a batch of patients at a time: a re-import of 200,000 patients reads
    their 600,000 current rows, not a ledger that grows with every import.
    """
    found: dict[int, dict[Key, Current]] = {}
    for batch in batches(patients, LOOKUP_BATCH):
        query = select(*_CURRENT_COLUMNS).where(
            CURRENT.c.patient_id.in_(batch), CURRENT.c.purpose != ANY_PURPOSE
        )
        found |= _by_patient(conn, query)
    return found
