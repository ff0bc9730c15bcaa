"""`rxmsg patients`: the Patient Listing report as a table, CSV or JSON, streamed."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.csv_cells import spreadsheet_safe
from rxmsg_tui.domain.safe_text import visible
from rxmsg_tui.domain.vocabulary import ConsentPurpose

if TYPE_CHECKING:
    from rxmsg_tui.services.patients import ReportRow

CSV_HEADER = [
    *("patient_id", "first_name", "last_name", "dob", "cell_phone", "email", "language"),
    *("cell_verified", "email_verified", "consent", "marketing_consent"),
    *("consent_channels", "marketing_channels"),
]
# Widths of the table columns; with the spaces between them a line is 79 wide.
TABLE = (
    ("PATIENT ID", 10),
    ("NAME", 16),
    ("DOB", 10),
    ("CELL PHONE", 15),
    ("EMAIL", 11),
    ("LANG", 4),
    ("CONSENT", 7),
)
LEGEND = "* verified · consent: T transactional, M marketing"


@click.command("patients")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json"], case_sensitive=False),
    default="table",
    show_default=True,
    help="table fits 80 columns; csv uses the import column names; json is a list of objects.",
)
@click.pass_obj
def patients(state: CliState, output: str) -> None:
    """The Patient Listing report: every patient of the store, by last and first name."""
    from rxmsg_tui.services.patients import iter_patient_report

    ctx = state.context()
    rows = iter_patient_report(ctx.db, ctx.actor.store_id)
    out = sys.stdout
    write = WRITERS[output.lower()]
    try:
        write(rows, out)
        out.flush()
    except BrokenPipeError:
        # `rxmsg patients | head`: the reader has what it wanted; that is no failure.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


def _table(rows: Iterator[ReportRow], out: TextIO) -> None:
    from rxmsg_tui.services.patients import display_phone

    out.write(_line(label for label, _ in TABLE))
    count = 0
    for row in rows:
        p = row.patient
        cell = _verified(display_phone(p.cell_phone), p.cell_verified, width=15)
        email = _verified(p.email or "", p.email_verified, width=11)
        cells = (p.patient_id, p.name, _date(row), cell, email, p.language, _consent_flags(row))
        out.write(_line(cells))
        count += 1
    click.echo(f"{count:,} patient{'' if count == 1 else 's'} · {LEGEND}", err=True)


def _csv(rows: Iterator[ReportRow], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        p = row.patient
        transactional, marketing = _granted(row)
        cells = (
            p.patient_id,
            p.first_name,
            p.last_name,
            _date(row),
            p.cell_phone or "",
            p.email or "",
            p.language,
            _yn(p.cell_verified),
            _yn(p.email_verified),
            _yn(bool(transactional)),
            _yn(bool(marketing)),
            " ".join(transactional),
            " ".join(marketing),
        )
        writer.writerow(spreadsheet_safe(cell) for cell in cells)


def _json(rows: Iterator[ReportRow], out: TextIO) -> None:
    """One object a line inside the list, written as read: the whole file never sits in memory."""
    out.write("[")
    separator = "\n"
    for row in rows:
        out.write(separator + json.dumps(_object(row), ensure_ascii=False))
        separator = ",\n"
    out.write("\n]\n" if separator != "\n" else "]\n")


WRITERS: dict[str, Callable[[Iterator[ReportRow], TextIO], None]] = {
    "table": _table,
    "csv": _csv,
    "json": _json,
}


def _object(row: ReportRow) -> dict[str, Any]:
    p = row.patient
    transactional, marketing = _granted(row)
    return {
        "patient_id": p.patient_id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "name": p.name,
        "dob": _date(row) or None,
        "cell_phone": p.cell_phone,
        "email": p.email,
        "language": p.language,
        "cell_verified": p.cell_verified,
        "email_verified": p.email_verified,
        "consent": {"transactional": list(transactional), "marketing": list(marketing)},
    }


def _granted(row: ReportRow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    consent = row.consent
    return consent.channels(ConsentPurpose.TRANSACTIONAL), consent.channels(
        ConsentPurpose.MARKETING
    )


def _consent_flags(row: ReportRow) -> str:
    transactional, marketing = _granted(row)
    flags = "+".join(f for f, on in (("T", transactional), ("M", marketing)) if on)
    return flags or "-"


def _verified(text: str, verified: bool, *, width: int) -> str:
    """Mark a verified address with `*` that a long address cannot push out of its column."""
    return _fit(text, width - 1).rstrip() + "*" if text and verified else text


def _date(row: ReportRow) -> str:
    return row.patient.dob.isoformat() if row.patient.dob else ""


def _yn(value: bool) -> str:
    return "Y" if value else "N"


def _line(cells: Any) -> str:
    parts = [_fit(visible(str(text)), width) for text, (_, width) in zip(cells, TABLE, strict=True)]
    return " ".join(parts).rstrip() + "\n"


def _fit(text: str, width: int) -> str:
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)
