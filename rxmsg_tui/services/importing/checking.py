"""The first pass of an import: every row parsed and checked before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from rxmsg_tui.domain.csv_records import CsvLayout, Problem
from rxmsg_tui.services.importing.reader import read_rows
from rxmsg_tui.services.importing.report import ImportReport, ProgressCallback

R = TypeVar("R")


@dataclass
class Checked(Generic[R]):
    """The good records with the line each came from, and the report so far."""

    report: ImportReport
    records: list[tuple[int, R]] = field(default_factory=list)


def check_file(
    path: Path,
    layout: CsvLayout,
    parse: Callable[[dict[str, str]], R | list[Problem]],
    *,
    key_column: str,
    key: Callable[[R], str],
    also: Callable[[R], list[Problem]] | None = None,
    progress: ProgressCallback | None = None,
) -> Checked[R]:
    """Parse every row; a second row with the same key is bad (which one should win?).

    `also` adds checks that need more than the row, such as the patient being
    known to the store.
    """
    checked: Checked[R] = Checked(ImportReport(kind=layout.kind, file_name=path.name))
    report = checked.report
    first_seen: dict[str, int] = {}
    for line, cells in read_rows(path, layout, progress):
        report.rows += 1
        result = cells if isinstance(cells, list) else parse(cells)
        if isinstance(result, list):
            report.add_bad_row(line, result)
            continue
        problems = also(result) if also is not None else []
        earlier = first_seen.setdefault(key(result), line)
        if earlier != line:
            problems.append(Problem(key_column, f"same {key_column} as line {earlier}"))
        if problems:
            report.add_bad_row(line, problems)
            continue
        checked.records.append((line, result))
    return checked
