"""Writes report rows as an 80-column table, CSV or a JSON list, streaming as they come.

The table is for a terminal, so a control character stored in a name is shown
escaped (`\\x1b`), never sent to the screen; the CSV is for spreadsheets, so
a cell that starts like a formula is kept as text.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

from rxmsg_tui.domain.csv_cells import spreadsheet_safe
from rxmsg_tui.domain.safe_text import visible

FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table for people, csv or json for other programs.",
)


def write_rows(
    rows: Iterable[dict[str, Any]],
    output_format: str,
    *,
    columns: Sequence[tuple[str, str, int]],
) -> int:
    """Write `rows`; `columns` are (key, heading, width) for the table. Returns the count."""
    out = sys.stdout
    count = 0
    if output_format == "json":
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n  " + json.dumps(row, default=str))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    if output_format == "csv":
        writer: Any = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})
            count += 1
        return count
    out.write(" ".join(h.ljust(w)[:w] for _, h, w in columns).rstrip() + "\n")
    for row in rows:
        cells = ("" if row.get(k) is None else visible(str(row[k])) for k, _, _ in columns)
        out.write(
            " ".join(c.ljust(w)[:w] for c, (_, _, w) in zip(cells, columns, strict=True)).rstrip()
            + "\n"
        )
        count += 1
    return count


def _csv_cell(value: Any) -> str:
    """Blank for None; text a spreadsheet shows as text, never runs (see `spreadsheet_safe`)."""
    return "" if value is None else spreadsheet_safe(str(value))
