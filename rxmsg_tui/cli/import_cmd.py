"""`rxmsg import patients|prescriptions FILE`: bulk import with every bad row reported."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import one_line

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from rxmsg_tui.services.importing import ImportReport, ImportStep

MAX_SHOWN_LINES = 100
"""Problem lines printed before the rest are only counted (a garbage file has thousands)."""
PROGRESS_FROM_BYTES = 2 * 1024 * 1024


@click.command("import")
@click.argument("kind", type=click.Choice(["patients", "prescriptions"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and list the bad ones.")
@click.pass_obj
def import_(state: CliState, kind: str, file: Path, skip_bad: bool) -> None:
    """Import patients.csv or prescriptions.csv (columns as in the manual).

    Every row is checked first; any bad row means nothing is imported unless
    --skip-bad is given. Importing again updates patients and prescriptions
    by their ids instead of adding duplicates.
    """
    from rxmsg_tui.services.importing import (
        RowsRejected,
        UnreadableFile,
        import_patients,
        import_prescriptions,
    )

    context = state.context()
    run = import_patients if kind == "patients" else import_prescriptions
    bars = _ProgressBars() if _wants_progress(file) else None
    try:
        report = run(
            context.db,
            context.actor,
            file,
            today=context.clock.today(context.store_zone),
            now=context.clock.now(),
            skip_bad=skip_bad,
            progress=bars,
        )
    except UnreadableFile as exc:
        fail(f"cannot import {file.name}: {exc}")
    except RowsRejected as exc:
        _show_bad_rows(exc.report)
        fail(str(exc))
    finally:
        if bars is not None:
            bars.close()
    _show_bad_rows(report)
    click.echo(_summary(report))


def _wants_progress(file: Path) -> bool:
    """A bar only where a person watches and the wait is noticeable."""
    try:
        return sys.stderr.isatty() and file.stat().st_size >= PROGRESS_FROM_BYTES
    except OSError:
        return False


class _ProgressBars:
    """One click bar per import step, on stderr so stdout stays a clean summary."""

    def __init__(self) -> None:
        self._step: ImportStep | None = None
        self._stack = ExitStack()
        self._bar: ProgressBar[int] | None = None
        self._done = 0

    def __call__(self, step: ImportStep, done: int, total: int) -> None:
        if step is not self._step or self._bar is None:
            self.close()
            self._step, self._done = step, 0
            bar = click.progressbar(length=max(total, 1), label=step.value, file=sys.stderr)
            self._bar = self._stack.enter_context(bar)
        if done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def close(self) -> None:
        self._stack.close()
        self._bar = None


def _show_bad_rows(report: ImportReport) -> None:
    printed = shown_rows = 0
    for bad in report.bad_rows:
        if printed >= MAX_SHOWN_LINES:
            break
        for problem in bad.problems:
            where = "" if problem.column == "(row)" else f"{problem.column}: "
            click.echo(one_line(f"line {bad.line}: {where}{problem.reason}"), err=True)
            printed += 1
        shown_rows += 1
    if report.bad_row_count > shown_rows:
        more = _count(report.bad_row_count - shown_rows, "more bad row")
        click.echo(f"… and {more}", err=True)


def _summary(report: ImportReport) -> str:
    lines = [
        f"Imported {report.file_name}: {_count(report.good_rows, report.kind[:-1])} "
        f"({report.inserted} new, {report.updated} updated, {report.unchanged} unchanged)."
    ]
    if report.kind == "prescriptions":
        lines.append(f"Drugs: {report.drugs_added} new, {report.drugs_updated} updated.")
    else:
        lines.append(
            f"Consent: {report.consent_recorded} changes recorded; "
            f"default preferences: {report.prefs_added} added."
        )
        if report.went_live is not None:
            lines.append(
                f"Messaging went live on {report.went_live:%m/%d/%Y}: these patients are not new "
                "(no Welcome Greeting); later imports add new patients (new_patient N: not new)."
            )
        if report.consent_kept_revoked:
            lines.append(
                f"{report.consent_kept_revoked} consent grants in the file were not applied: "
                "the patient opted out in the pharmacy since (record consent again to change)."
            )
    if report.bad_row_count:
        skipped = _count(report.bad_row_count, "bad row")
        lines.append(f"Skipped {skipped} (listed above, --skip-bad).")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
