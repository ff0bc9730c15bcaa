"""SMS length: encodings and segment boundaries, checked against a reference computation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxmsg_tui.domain.sms_length import GSM7_BASIC, GSM7_EXTENSION, measure


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€", "GSM-7", 154, 1),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        # a two-septet character is not cut: 152 + 2 does not fit in 153
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("é" * 160, "GSM-7", 160, 1),
        ("ç" * 70, "UCS-2", 70, 1),
        ("ç" * 71, "UCS-2", 71, 2),
        ("ç" * 134, "UCS-2", 134, 2),
        ("ç" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        # a surrogate pair is not cut: 66 + 2 does not fit in 67
        ("ç" * 66 + "😀" + "ç" * 66, "UCS-2", 134, 3),
        ("Hola José, su receta está lista", "UCS-2", 31, 1),  # á is not GSM-7
        ("Hola José, su receta esta lista", "GSM-7", 31, 1),
        ("¿Dónde?", "UCS-2", 7, 1),
    ],
)
def test_boundaries(text: str, encoding: str, units: int, segments: int) -> None:
    length = measure(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)
    assert length.characters == len(text)


def test_counter_shows_what_is_left() -> None:
    assert measure("a" * 150).remaining_in_segment == 10
    assert measure("a" * 200).remaining_in_segment == 106
    assert measure("Ready").summary() == "5 chars, GSM-7, 1 segment"


def _reference(text: str) -> int:
    """Segments by packing whole characters greedily into fixed-size buckets."""
    gsm = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)
    size = [2 if (c in GSM7_EXTENSION if gsm else ord(c) > 0xFFFF) else 1 for c in text]
    single, split = (160, 153) if gsm else (70, 67)
    if sum(size) <= single:
        return 1 if text else 0
    buckets, used = 1, 0
    for s in size:
        if used + s > split:
            buckets, used = buckets + 1, 0
        used += s
    return buckets


@given(
    st.text(
        alphabet=st.sampled_from([*sorted(GSM7_BASIC | GSM7_EXTENSION), "ç", "😀", "ñ"]),
        max_size=500,
    )
)
def test_segments_agree_with_the_reference(text: str) -> None:
    length = measure(text)
    assert length.segments == _reference(text)
    assert length.segments >= math.ceil(length.units / (160 if length.encoding == "GSM-7" else 70))
