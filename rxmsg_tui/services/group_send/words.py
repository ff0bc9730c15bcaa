"""Restricted words in thousands of filled-in texts, at the cost of a substring test each.

`find_restricted` folds every character through Unicode tables and tries
every run of fragments: right for one message, seconds for a group of
10,000. A match means the folded letters of the text, joined and with runs
squeezed, contain a restricted word; so a text whose letters contain none
cannot match, and only the rare one that does is given to `find_restricted`
to decide. Characters are folded with the domain's own fold, remembered per
character (a text repeats few distinct characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rxmsg_tui.domain.restricted_words import _fold, find_restricted, normalise_word


class _Letters(dict[int, str]):
    """Code point → its folded letter or digit, or "" for a separator or an invisible one.

    Filled as characters are met, so `str.translate` folds a text at C speed.
    """

    def __missing__(self, code: int) -> str:
        folded = _fold(chr(code))
        letter = folded if folded is not None and folded.isalnum() else ""
        self[code] = letter
        return letter


_LETTERS = _Letters()
_RUNS = re.compile(r"(.)\1+")


class WordCheck:
    """The store's restricted words, normalised once for many texts."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = [w for w in words if normalise_word(w)]
        self._targets = tuple({_squeeze(normalise_word(w)) for w in self.words})

    def restricted(self, text: str) -> bool:
        if not self._targets or not text:
            return False
        letters = _squeeze(text.translate(_LETTERS))
        if not any(t in letters for t in self._targets):
            return False
        return bool(find_restricted(text, self.words))


def _squeeze(letters: str) -> str:
    return _RUNS.sub(r"\1", letters)
