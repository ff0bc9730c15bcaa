"""Printouts: a text file to the printer with `lp`, or kept as a private file when it cannot go."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

PRINTER_VARIABLE = "RXMSG_PRINTER"
LP_TIMEOUT = 30.0
LP_OPTIONS = ("-o", "cpi=12")
"""Twelve characters an inch: the reports are 95 columns wide, a portrait page at 12 cpi."""


@dataclass(frozen=True)
class PrintOutcome:
    printer: str | None = None
    """The printer the job went to; None when the file was kept instead."""
    saved_to: Path | None = None
    reason: str = ""
    """Why it was kept rather than printed."""

    def describe(self) -> str:
        """One line for the notification staff read."""
        if self.printer is not None:
            return f"Sent to printer {self.printer}"
        return f"Saved to {self.saved_to} ({self.reason})"


def private_dir(data_dir: Path, name: str) -> Path:
    """A folder of the data dir that only this user can open: printouts name patients."""
    folder = data_dir / name
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def printouts_dir(data_dir: Path) -> Path:
    return private_dir(data_dir, "printouts")


def open_private(path: Path) -> TextIO:
    """A new text file with mode 0600 from its first byte, never briefly readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode is ignored for a file that already existed
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def print_file(path: Path, *, data_dir: Path, title: str) -> PrintOutcome:
    """Send `path` to `RXMSG_PRINTER` or the CUPS default; else keep it in printouts.

    A printed file is removed: a report that names patients should not linger
    on a shared counter terminal once it is on paper.
    """
    lp = shutil.which("lp")
    if lp is None:
        return _keep(path, data_dir, "lp is not installed")
    printer = os.environ.get(PRINTER_VARIABLE, "").strip() or default_printer()
    if printer is None:
        return _keep(path, data_dir, f"no printer: set {PRINTER_VARIABLE} or a CUPS default")
    command = [lp, "-d", printer, "-t", title, *LP_OPTIONS]
    try:
        with path.open("rb") as text:
            done = subprocess.run(
                command, stdin=text, capture_output=True, timeout=LP_TIMEOUT, check=False
            )
    except subprocess.TimeoutExpired:
        return _keep(path, data_dir, f"lp did not answer within {LP_TIMEOUT:.0f} s")
    except OSError as exc:
        return _keep(path, data_dir, f"lp could not run: {exc.strerror or exc}")
    if done.returncode != 0:
        said = _first_line(done.stderr) or _first_line(done.stdout)
        return _keep(path, data_dir, f"lp failed: {said or f'exit status {done.returncode}'}")
    path.unlink(missing_ok=True)
    return PrintOutcome(printer=printer)


def default_printer() -> str | None:
    """The CUPS default destination (`lpstat -d`), or None when there is none or no CUPS."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return None
    try:
        done = subprocess.run(
            [lpstat, "-d"],
            capture_output=True,
            timeout=LP_TIMEOUT,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = _first_line(done.stdout)
    if done.returncode != 0 or ":" not in line or line.startswith("no "):
        return None
    return line.rsplit(":", 1)[1].strip() or None


def _keep(path: Path, data_dir: Path, reason: str) -> PrintOutcome:
    folder = printouts_dir(data_dir)
    kept = path if path.parent.resolve() == folder.resolve() else folder / path.name
    if kept != path:
        shutil.move(path, kept)
    kept.chmod(0o600)
    return PrintOutcome(saved_to=kept, reason=reason)


def _first_line(output: bytes) -> str:
    text = output.decode("utf-8", "replace").strip()
    return text.splitlines()[0].strip() if text else ""
