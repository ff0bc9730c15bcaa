"""Reading an import file a chunk at a time gives the lines, and the faults, of reading it by line.

The reader decodes whole chunks at once and goes line by line only through a
chunk that does not decode; the chunk size is made tiny here so that lines,
BOMs, NUL bytes and broken UTF-8 fall across chunk ends.
"""

from __future__ import annotations

import io
from unittest.mock import patch

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rxmsg_tui.services.importing import reader
from rxmsg_tui.services.importing.report import ImportStep, UnreadableFile

Outcome = tuple[list[str], str | None]


def outcome(lines: object) -> Outcome:
    seen: list[str] = []
    try:
        for line in lines:  # type: ignore[attr-defined]
            seen.append(line)
    except UnreadableFile as exc:
        return seen, str(exc)
    return seen, None


PIECES = [b"P1,Ann", b",", b"\n", b"\r\n", b"\r", b"\xc3\xa9", b"\xc3", b"\xa9", b"\x00",
          b"\xef\xbb\xbf", b"\xff\xfe", b'"a\nb"', b"  ", b"\xe2\x80\x99"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES) | st.binary(max_size=6), max_size=30),
    chunk=st.integers(1, 9),
)
@example(pieces=[b"\xef\xbb\xbf", b"P1,Ann", b"\n", b"\xc3"], chunk=3)
@example(pieces=[b"P1,Ann", b"\n", b"\xff\xfe", b"\n"], chunk=4)
def test_chunks_give_the_lines_and_the_fault_of_line_by_line(
    pieces: list[bytes], chunk: int
) -> None:
    content = b"".join(pieces)
    with patch.object(reader, "CHUNK_BYTES", chunk):
        chunked = outcome(reader._text_lines(io.BytesIO(content), len(content), None))
    assert chunked == outcome(reader._line_by_line(content, 0, 0))


def test_progress_is_reported_in_bytes_up_to_the_size(monkeypatch: pytest.MonkeyPatch) -> None:
    content = b"patient_id\n" + b"P1\n" * 20
    monkeypatch.setattr(reader, "CHUNK_BYTES", 8)
    calls: list[tuple[ImportStep, int, int]] = []
    lines = reader._text_lines(io.BytesIO(content), len(content), lambda *call: calls.append(call))
    assert "".join(lines) == content.decode()
    done = [done for _, done, _ in calls]
    assert done == sorted(set(done)) and done[-1] == len(content) and len(done) > 3
