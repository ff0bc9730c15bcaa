"""`rxmsg event batch FILE`: a pharmacy system's events from a CSV or JSON-lines file.

Like an import, every line is checked before anything is written and one bad
line stops the whole file, with every bad line listed by number: a feed that
half-applied would leave staff guessing which messages went. A good file is
applied in one transaction, in file order (label printed before picked up).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from rxmsg_tui.domain import json_nesting
from rxmsg_tui.domain.csv_records import CsvLayout
from rxmsg_tui.domain.safe_text import shown
from rxmsg_tui.domain.vocabulary import RxEventKind
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, ServiceError
from rxmsg_tui.services.importing.reader import read_rows
from rxmsg_tui.services.importing.report import UnreadableFile
from rxmsg_tui.services.rx_events.recording import apply_event, store_and_settings, timing_problem
from rxmsg_tui.services.rx_events.results import EventResult, EventSource, parse_kind
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Prescription, Store

EVENTS = CsvLayout("events", ("rx_number", "event"), ("occurred_at",))
CSV_SUFFIXES = frozenset({".csv"})
JSON_SUFFIXES = frozenset({".jsonl", ".json", ".ndjson"})
MAX_KEPT_PROBLEMS = 1000
_LOOKUP_CHUNK = 500

RawLine = tuple[int, dict[str, str] | str]
"""A line number and its fields, or why the line cannot be read at all."""


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


@dataclass(frozen=True)
class _Wanted:
    line: int
    rx_number: str
    kind: RxEventKind
    occurred_at: datetime | None


@dataclass
class BatchResult:
    file_name: str
    events: list[EventResult] = field(default_factory=list)


class EventsRejected(InvalidInput):
    """Bad lines stopped the file; nothing was recorded. `bad_lines` says where and why."""

    def __init__(self, file_name: str, bad_lines: list[BadLine], bad_count: int) -> None:
        lines = "line" if bad_count == 1 else "lines"
        super().__init__(f"nothing recorded: {bad_count} bad {lines} in {file_name}")
        self.bad_lines = bad_lines
        self.bad_count = bad_count


def record_events(db: Database, actor: Actor, path: Path, *, now: datetime) -> BatchResult:
    """Check every line, then record them all in file order, or none."""
    raw = list(_read(path))
    with db.transaction() as session:
        store, settings_row = store_and_settings(session, actor.store_id)
        wanted, bad = _parse(raw, ZoneInfo(store.timezone))
        rxs = _prescriptions(session, store, {w.rx_number for w in wanted})
        checked: list[tuple[_Wanted, Prescription]] = []
        for item in wanted:
            rx = rxs.get(item.rx_number)
            if rx is None:
                missing = f"no prescription Rx {shown(item.rx_number)} at this store"
                bad.append(BadLine(item.line, missing))
                continue
            problem = timing_problem(rx, item.occurred_at or now, store, now)
            if problem:
                bad.append(BadLine(item.line, problem))
                continue
            checked.append((item, rx))
        if bad:
            bad.sort(key=lambda b: b.line)
            raise EventsRejected(path.name, bad[:MAX_KEPT_PROBLEMS], len(bad))
        result = BatchResult(path.name)
        for item, rx in checked:
            when = item.occurred_at or now
            event = apply_event(
                session, store, settings_row, actor, rx, item.kind, when, EventSource.BATCH, now
            )
            result.events.append(event)
        audit.record(
            session,
            actor,
            "rx.event_batch",
            at=now,
            target=path.name,
            after={
                "events": len(result.events),
                "queued": sum(len(e.queued) for e in result.events),
                "cancelled": sum(len(e.cancelled) for e in result.events),
            },
        )
    return result


def parse_time(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601; a time without an offset is the store's local time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"occurred_at '{shown(text.strip())}' is not an ISO 8601 time such as 2026-03-02T14:30"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _read(path: Path) -> Iterator[RawLine]:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        for line, cells in read_rows(path, EVENTS, None):
            if isinstance(cells, list):
                yield line, "; ".join(p.reason for p in cells)
            else:
                yield line, cells
    elif suffix in JSON_SUFFIXES:
        yield from _json_lines(path)
    else:
        raise UnreadableFile(f"{path.name}: events come in a .csv, .jsonl or .json file")


def _json_lines(path: Path) -> Iterator[RawLine]:
    """One object per line; blank lines are skipped, everything else must parse."""
    seen = False
    try:
        with path.open("rb") as binary:
            for number, raw in enumerate(binary, start=1):
                try:
                    text = raw.decode("utf-8").lstrip("\ufeff").strip()
                except UnicodeDecodeError:
                    raise UnreadableFile(f"not UTF-8 text: line {number} cannot be read") from None
                if not text:
                    continue
                seen = True
                yield number, _json_object(text)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if not seen:
        raise UnreadableFile(f"{path.name} holds no events")


def _json_object(text: str) -> dict[str, str] | str:
    try:
        value = json_nesting.loads(text)
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg}, column {exc.colno})"
    if not isinstance(value, dict):
        return 'expected one JSON object per line: {"rx_number": …, "event": …}'
    cells: dict[str, str] = {}
    for name in EVENTS.columns:
        cell = value.get(name)
        if cell is None:
            continue
        if not isinstance(cell, str | int) or isinstance(cell, bool):
            return f"{name} must be text"
        cells[name] = str(cell)
    return cells


def _parse(raw: list[RawLine], zone: ZoneInfo) -> tuple[list[_Wanted], list[BadLine]]:
    wanted: list[_Wanted] = []
    bad: list[BadLine] = []
    for line, cells in raw:
        if isinstance(cells, str):
            bad.append(BadLine(line, cells))
            continue
        problems = []
        rx_number = cells.get("rx_number", "").strip()
        if not rx_number:
            problems.append("rx_number is empty")
        kind: RxEventKind | None = None
        try:
            kind = parse_kind(cells.get("event", ""))
        except ServiceError as exc:
            problems.append(str(exc))
        occurred_at = None
        if when := cells.get("occurred_at", "").strip():
            try:
                occurred_at = parse_time(when, zone)
            except ServiceError as exc:
                problems.append(str(exc))
        if problems or kind is None:
            bad.append(BadLine(line, "; ".join(problems)))
            continue
        wanted.append(_Wanted(line, rx_number, kind, occurred_at))
    return wanted, bad


def _prescriptions(session: Session, store: Store, numbers: set[str]) -> dict[str, Prescription]:
    found: dict[str, Prescription] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        query = select(Prescription).where(
            Prescription.store_id == store.id, col(Prescription.rx_number).in_(chunk)
        )
        found.update((rx.rx_number, rx) for rx in session.exec(query))
    return found
