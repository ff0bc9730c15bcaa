"""Restricted words (CBD, cannabis, …): no message that carries one is ever sent.

The rule: the text is folded (case, accents, look-alike letters and digits such
as ``@``→a, ``0``→o, Cyrillic ``а``→a; invisible characters dropped), then cut
into fragments at every character that is not a letter or digit. A restricted
word matches when one fragment, or several consecutive fragments joined, spell
it exactly (runs of a repeated letter count once, and a plural ``s`` is
allowed). So ``C.B.D``, ``c b d``, ``canna-bis``, ``marijuan@`` and ``THC-free``
match, while ``abcde``, ``Thackeray`` and ``Hempstead`` do not: a restricted
word inside a longer word is not flagged. Known limits: a word spread over
fragments that also begin or end with other letters (``xc.b.d``) is missed,
and ordinary words that happen to spell one when joined (``he MP``) are
flagged; a street named "Hemp Street" is flagged, "Hempstead" is not.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_RESTRICTED_WORDS: tuple[str, ...] = (
    "cbd",
    "cannabis",
    "cannabinoid",
    "cannabinoids",
    "cannabidiol",
    "marijuana",
    "marihuana",
    "thc",
    "hemp",
)

_LOOKALIKES = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "i",
        "3": "e",
        "€": "e",
        "5": "s",
        "$": "s",
        "7": "t",
        "8": "b",
        # Cyrillic and Greek letters that look Latin
        "а": "a",
        "в": "b",
        "с": "c",
        "е": "e",
        "н": "h",
        "і": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "о": "o",
        "р": "p",
        "ѕ": "s",
        "т": "t",
        "у": "y",
        "х": "x",
        "ԁ": "d",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "μ": "m",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
    }
)


@dataclass(frozen=True)
class RestrictedMatch:
    """A restricted word found in a text, with where it stands (0-based, end exclusive)."""

    word: str
    start: int
    end: int


@dataclass(frozen=True)
class _Fragment:
    letters: str
    start: int
    end: int


def normalise_word(word: str) -> str:
    """How a restricted word is stored and compared: folded, letters only."""
    return "".join(f.letters for f in _fragments(word))


def find_restricted(text: str, words: Iterable[str]) -> list[RestrictedMatch]:
    """Every restricted word in `text`, in order of appearance."""
    targets, prefixes = _targets(tuple(words))
    if not targets or not text:
        return []
    fragments = _fragments(text)
    squeezed = [_squeeze(f.letters) for f in fragments]
    found: list[RestrictedMatch] = []
    i = 0
    while i < len(fragments):
        joined = ""
        hit: tuple[str, int] | None = None
        for j in range(i, len(fragments)):
            part = squeezed[j]
            # The squeeze of a join is the joined squeezes, less a run across the seam.
            joined += part[1:] if joined and joined[-1] == part[0] else part
            if joined not in prefixes:
                break
            word = _lookup(joined, targets)
            if word is not None:
                hit = (word, j)
        if hit is None:
            i += 1
            continue
        word, last = hit
        found.append(RestrictedMatch(word, fragments[i].start, fragments[last].end))
        i = last + 1
    return found


@functools.lru_cache(maxsize=64)
def _targets(words: tuple[str, ...]) -> tuple[dict[str, str], frozenset[str]]:
    """Squeezed spelling → the word as stored, and every start of a spelling (plural too).

    A store's list is folded once, not per message; a join of fragments that
    starts no restricted word is given up at once.
    """
    targets = {}
    for word in words:
        if normalised := normalise_word(word):
            targets[_squeeze(normalised)] = normalised
    spellings = [*targets, *(t + "s" for t in targets)]
    prefixes = frozenset(s[:k] for s in spellings for k in range(1, len(s) + 1))
    return targets, prefixes


def _lookup(squeezed: str, targets: dict[str, str]) -> str | None:
    if squeezed in targets:
        return targets[squeezed]
    if squeezed.endswith("s") and squeezed[:-1] in targets:
        return targets[squeezed[:-1]]
    return None


_RUNS = re.compile(r"(.)\1+", re.DOTALL)
_ASCII_FRAGMENT = re.compile(r"[a-z0-9]+")


def _squeeze(letters: str) -> str:
    """Runs of one letter count once: ``cannnabis`` and ``canabis`` read as ``cannabis``."""
    return _RUNS.sub(r"\1", letters)


def _fragments(text: str) -> list[_Fragment]:
    """The folded letter runs of `text` with where each stands in it.

    Most messages are plain ASCII, where folding is a lower-casing and the
    look-alike table, one character for one: they take a regular expression
    (a test holds both ways to the same fragments). Others go letter by letter.
    """
    if text.isascii():
        folded = text.lower().translate(_LOOKALIKES)
        return [_Fragment(m.group(), m.start(), m.end()) for m in _ASCII_FRAGMENT.finditer(folded)]
    return _fragments_by_letter(text)


def _fragments_by_letter(text: str) -> list[_Fragment]:
    fragments: list[_Fragment] = []
    letters: list[str] = []
    start = 0
    for index, raw in enumerate(text):
        folded = _fold(raw)
        if folded is None:  # invisible: ignore without cutting the word
            continue
        if folded.isalnum():
            if not letters:
                start = index
            letters.append(folded)
            end = index + 1
            continue
        if letters:
            fragments.append(_Fragment("".join(letters), start, end))
            letters = []
    if letters:
        fragments.append(_Fragment("".join(letters), start, end))
    return fragments


@functools.lru_cache(maxsize=4096)
def _fold(ch: str) -> str | None:
    if unicodedata.category(ch) in ("Cf", "Mn"):
        return None
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if unicodedata.category(c) != "Mn") or ch
    return base.lower().translate(_LOOKALIKES)[:1] or None
