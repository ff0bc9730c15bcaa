"""Reads an import file as UTF-8 CSV, row by row, with the line where each row starts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from rxmsg_tui.domain.csv_records import CsvLayout, Problem, column_name, header_problems
from rxmsg_tui.services.importing.report import ImportStep, ProgressCallback, UnreadableFile

UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
CHUNK_BYTES = 1 << 18
"""Read, decoded and reported as progress at once."""
SNIFF_BYTES = 8192
# Control bytes other than tab, CR, LF and form feed; text has next to none of them.
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13}) + b"\x7f"
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: CSV UTF-8)"

Row = tuple[int, dict[str, str] | list[Problem]]
"""The row's first line and its cells by column name, or why it cannot be read."""


def read_rows(path: Path, layout: CsvLayout, progress: ProgressCallback | None) -> Iterator[Row]:
    """Every non-blank data row; file-level faults raise `UnreadableFile`.

    The file is decoded line by line from bytes (not through `open(encoding=…)`)
    so a wrong encoding is reported with its exact line and byte, and progress
    is measured in bytes read.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as binary:
            _refuse_binary(binary.read(SNIFF_BYTES))
            binary.seek(0)
            yield from _rows(_text_lines(binary, size, progress), layout)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path.name}: {exc.strerror or exc}") from None


def _text_lines(binary: BinaryIO, size: int, progress: ProgressCallback | None) -> Iterator[str]:
    """The file's lines as text, split at LF only, as iterating the binary file splits them."""
    return chain.from_iterable(_text_chunks(binary, size, progress))


def _text_chunks(
    binary: BinaryIO, size: int, progress: ProgressCallback | None
) -> Iterator[Iterable[str]]:
    """Whole lines a chunk at a time, decoded in one call: a line at a time costs more than the
    parse. A chunk that does not decode cleanly is read again line by line for the exact fault.
    """
    offset = 0  # bytes of the file before the chunk
    lines = 0  # lines of the file before the chunk
    rest = b""
    while block := binary.read(CHUNK_BYTES):
        data = rest + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield _decoded(data[:cut], offset, lines)
        offset += cut
        lines += data.count(b"\n", 0, cut)
        if progress is not None and offset < size:
            progress(ImportStep.CHECKING, offset, size)
    if rest:
        yield _decoded(rest, offset, lines)
    if progress is not None:
        progress(ImportStep.CHECKING, size, size)


def _decoded(chunk: bytes, offset: int, lines: int) -> Iterable[str]:
    skipped = len(UTF8_BOM) if lines == 0 and chunk.startswith(UTF8_BOM) else 0
    if b"\x00" not in chunk:
        try:
            text = chunk[skipped:].decode("utf-8")
            return io.StringIO(text, newline="\n") if text else [text]  # a file of a BOM alone
        except UnicodeDecodeError:
            pass
    return _line_by_line(chunk, offset, lines)


def _line_by_line(chunk: bytes, offset: int, lines: int) -> Iterator[str]:
    """The chunk's lines up to the first that is not UTF-8 text, which is named by line and byte."""
    for number, raw in enumerate(io.BytesIO(chunk), start=lines + 1):
        text = _without_bom(raw) if number == 1 else raw
        skipped = len(raw) - len(text)
        if b"\x00" in text:
            byte = offset + skipped + text.index(b"\x00") + 1
            raise UnreadableFile(_nul_byte(number, byte))
        try:
            line = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = offset + skipped + exc.start + 1
            raise UnreadableFile(
                f"not UTF-8 text: line {number}, byte {byte} cannot be read as UTF-8; "
                f"{SAVE_AS_UTF8}"
            ) from None
        offset += len(raw)
        yield line


def _refuse_binary(head: bytes) -> None:
    """A spreadsheet, archive or image says so here, before any line is blamed for it."""
    if any(head.startswith(bom) for bom, _ in _OTHER_BOMS):
        return  # UTF-16/32 text: `_without_bom` names the encoding
    if b"\x00" in head:
        at = head.index(b"\x00")
        raise UnreadableFile(_nul_byte(head.count(b"\n", 0, at) + 1, at + 1))
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls * 20 > len(head):
        raise UnreadableFile("not a CSV text file (it looks like a binary file)")


def _nul_byte(line: int, byte: int) -> str:
    return f"not a CSV text file: a NUL byte on line {line} (byte {byte})"


def _without_bom(first: bytes) -> bytes:
    for bom, name in _OTHER_BOMS:
        if first.startswith(bom):
            raise UnreadableFile(f"the file is {name} text; {SAVE_AS_UTF8}")
    return first.removeprefix(UTF8_BOM)


def _rows(lines: Iterator[str], layout: CsvLayout) -> Iterator[Row]:
    reader = csv.reader(lines)
    index: dict[str, int] | None = None
    names: list[str] = []  # the layout's columns in the file, and where each is
    positions: list[int] = []
    width = 0
    end_of_last = 0
    data_rows = 0
    while True:
        start = end_of_last + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end_of_last = reader.line_num
            if index is None:
                raise UnreadableFile(f"line {start}: the header is {_csv_reason(exc)}") from None
            data_rows += 1
            yield start, [Problem("(row)", _csv_reason(exc))]
            continue
        end_of_last = reader.line_num
        if not "".join(cells).strip():
            continue  # blank, or only separators
        if index is None:
            index, width = _check_header(layout, cells), len(cells)
            names, positions = list(index), list(index.values())
            continue
        data_rows += 1
        # Trailing empty cells are what spreadsheets add; anything else means shifted columns.
        if len(cells) != width and (len(cells) < width or "".join(cells[width:]).strip()):
            reason = f"has {len(cells)} cells, the header has {width}"
            yield start, [Problem("(row)", reason)]
            continue
        yield start, dict(zip(names, map(cells.__getitem__, positions), strict=True))
    if index is None:
        raise UnreadableFile("the file is empty")
    if data_rows == 0:
        raise UnreadableFile("the file has a header but no rows")


def _check_header(layout: CsvLayout, header: list[str]) -> dict[str, int]:
    problems = header_problems(layout, header)
    if problems:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " (rxmsg reads comma-separated files; this header uses another separator)"
        raise UnreadableFile(f"{'; '.join(problems)}{hint}; nothing imported")
    names = [column_name(cell) for cell in header]
    return {name: names.index(name) for name in layout.columns if name in names}


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "new-line character seen in unquoted field" in text:
        return "not valid CSV: a line break (CR) inside a cell that is not in quotes"
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        return f"not valid CSV: a cell longer than {limit} characters (an unclosed quote?)"
    return f"not valid CSV: {text}"
