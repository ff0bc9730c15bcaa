"""Printing with `lp`: a fake lp on PATH records what it is given; without it, a private file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rxmsg_tui.services.printing import default_printer, open_private, print_file, printouts_dir

REPORT = "Main Street Pharmacy (TEST)      Page 1 of 1\nrow one\n\frow two\n"


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH holding only the fakes a test puts there."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("RXMSG_PRINTER", raising=False)
    return folder


def fake(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def fake_lp(bin_dir: Path, *, exit_code: int = 0, stderr: str = "") -> Path:
    log = bin_dir.parent / "lp.log"
    fake(
        bin_dir,
        "lp",
        f'printf "%s\\n" "$@" > "{log}.argv"\n/bin/cat > "{log}.input"\n'
        f'printf "%s" "{stderr}" >&2\nexit {exit_code}\n',
    )
    return log


def report(tmp_path: Path) -> Path:
    path = tmp_path / "queue-20260302-103000.txt"
    path.write_text(REPORT)
    return path


def test_rxmsg_printer_gets_the_file_on_stdin_and_the_printout_is_removed(
    bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_lp(bin_dir)
    monkeypatch.setenv("RXMSG_PRINTER", "Front_Counter")
    path = report(tmp_path)
    outcome = print_file(path, data_dir=tmp_path / "data", title="Outbound Messaging Queue")
    assert outcome.printer == "Front_Counter"
    assert outcome.describe() == "Sent to printer Front_Counter"
    assert Path(f"{log}.argv").read_text().splitlines() == [
        "-d", "Front_Counter", "-t", "Outbound Messaging Queue", "-o", "cpi=12",
    ]  # fmt: skip
    assert Path(f"{log}.input").read_text() == REPORT
    assert not path.exists()  # on paper now; no copy of patient names left behind


def test_the_cups_default_printer_is_used_when_rxmsg_printer_is_unset(
    bin_dir: Path, tmp_path: Path
) -> None:
    log = fake_lp(bin_dir)
    fake(bin_dir, "lpstat", 'echo "system default destination: Office_Laser"\n')
    assert default_printer() == "Office_Laser"
    outcome = print_file(report(tmp_path), data_dir=tmp_path / "data", title="Queue")
    assert outcome.printer == "Office_Laser"
    assert Path(f"{log}.argv").read_text().splitlines()[:2] == ["-d", "Office_Laser"]


def test_without_a_printer_the_report_is_kept_as_a_private_file(
    bin_dir: Path, tmp_path: Path
) -> None:
    log = fake_lp(bin_dir)
    fake(bin_dir, "lpstat", 'echo "no system default destination"\n')
    outcome = print_file(report(tmp_path), data_dir=tmp_path / "data", title="Queue")
    assert outcome.printer is None
    assert outcome.reason == "no printer: set RXMSG_PRINTER or a CUPS default"
    assert not Path(f"{log}.argv").exists()
    assert outcome.saved_to == tmp_path / "data" / "printouts" / "queue-20260302-103000.txt"


def test_without_lp_the_report_is_saved_in_printouts_with_mode_0600(
    bin_dir: Path, tmp_path: Path
) -> None:
    path = report(tmp_path)
    path.chmod(0o644)
    outcome = print_file(path, data_dir=tmp_path / "data", title="Queue")
    saved = tmp_path / "data" / "printouts" / path.name
    assert (outcome.saved_to, outcome.reason) == (saved, "lp is not installed")
    assert outcome.describe() == f"Saved to {saved} (lp is not installed)"
    assert saved.read_text() == REPORT and not path.exists()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


def test_a_failing_lp_falls_back_to_the_file_and_says_why(
    bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_lp(bin_dir, exit_code=1, stderr="lp: The printer or class does not exist.")
    monkeypatch.setenv("RXMSG_PRINTER", "Nowhere")
    data = tmp_path / "data"
    path = printouts_dir(data) / "queue.txt"  # already where a kept printout belongs
    path.write_text(REPORT)
    outcome = print_file(path, data_dir=data, title="Queue")
    assert outcome.saved_to == path and path.read_text() == REPORT
    assert outcome.reason == "lp failed: lp: The printer or class does not exist."


def test_private_files_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        with open_private(tmp_path / "out.txt") as out:
            out.write("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o600
