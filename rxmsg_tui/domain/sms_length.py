"""SMS length: GSM-7 or UCS-2, characters and segments, as the composer shows them live.

A text that fits the GSM 03.38 alphabet is sent in GSM-7: 160 septets in one
segment, 153 per segment once split; the extension characters (``^{}\\[~]|€``
and form feed) take two septets each, and a two-septet character is never cut
between segments. Anything else goes as UCS-2: 70 UTF-16 units, 67 per segment
once split, where an emoji outside the Basic Multilingual Plane takes two units
and a surrogate pair is never cut between segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsLength:
    """What the composer shows: encoding, characters, units used, segments."""

    encoding: Encoding
    characters: int
    units: int
    segments: int
    per_segment: int

    @property
    def remaining_in_segment(self) -> int:
        """Units left before another segment starts (for the live counter)."""
        return max(self.segments, 1) * self.per_segment - self.units

    def summary(self) -> str:
        plural = "" if self.segments == 1 else "s"
        return f"{self.characters} chars, {self.encoding}, {self.segments} segment{plural}"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def measure(text: str) -> SmsLength:
    if is_gsm7(text):
        widths = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return _segment(text, widths, "GSM-7", single=160, split=153)
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return _segment(text, widths, "UCS-2", single=70, split=67)


def _segment(
    text: str, widths: list[int], encoding: Encoding, *, single: int, split: int
) -> SmsLength:
    units = sum(widths)
    if units <= single:
        return SmsLength(encoding, len(text), units, 1 if units else 0, single)
    segments, used = 1, 0
    for width in widths:
        if used + width > split:
            segments += 1
            used = 0
        used += width
    return SmsLength(encoding, len(text), units, segments, split)
