"""How long the IVR takes to read an Outbound Call text aloud, estimated for the format editor.

Text-to-speech reads about 150 words a minute; numbers are read digit by
digit in phone numbers and Rx numbers, so each run of digits counts as one
word per two digits. An estimate is enough: staff keep a call short enough
that a patient hears it out before hanging up.
"""

from __future__ import annotations

import math
import re

WORDS_PER_MINUTE = 150
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")


def spoken_words(text: str) -> float:
    """Words as the IVR speaks them: a run of digits counts one word per two digits."""
    words = 0.0
    for token in _WORD.findall(text):
        words += math.ceil(len(token) / 2) if token.isdigit() else 1
    return words


def spoken_seconds(text: str) -> int:
    """Seconds to read `text` aloud at `WORDS_PER_MINUTE`, rounded up (0 for no words)."""
    return math.ceil(spoken_words(text) * 60 / WORDS_PER_MINUTE)


def spoken_length(text: str) -> str:
    """`≈ 22 s spoken`, or `≈ 1 min 05 s spoken` past a minute."""
    seconds = spoken_seconds(text)
    if seconds < 60:
        return f"≈ {seconds} s spoken"
    return f"≈ {seconds // 60} min {seconds % 60:02d} s spoken"
