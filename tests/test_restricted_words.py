"""Restricted words: a corpus of messages that must and must not be flagged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxmsg_tui.domain.restricted_words import (
    DEFAULT_RESTRICTED_WORDS,
    find_restricted,
    normalise_word,
)

FLAGGED = [
    ("Try our CBD oil", "cbd"),
    ("try our cbd oil", "cbd"),
    ("C.B.D. gummies in stock", "cbd"),
    ("c b d", "cbd"),
    ("c-b-d!", "cbd"),
    ("C_B_D", "cbd"),
    ("c/b/d", "cbd"),
    ("CBDs are here", "cbd"),
    ("ｃｂｄ", "cbd"),  # fullwidth
    ("сbd", "cbd"),  # Cyrillic с
    ("c\u200bbd", "cbd"),  # zero-width space
    ("c\u00adbd", "cbd"),  # soft hyphen
    ("cbd,thc", "cbd"),
    ("Cannabis", "cannabis"),
    ("canna-bis", "cannabis"),
    ("canna bis", "cannabis"),
    ("c@nnabis", "cannabis"),
    ("cannnabis", "cannabis"),
    ("canabis", "cannabis"),
    ("Cànnabis", "cannabis"),
    ("CANNABIS.", "cannabis"),
    ("c a n n a b i s", "cannabis"),
    ("cannabinoid", "cannabinoid"),
    ("CANNABINOIDS", "cannabinoids"),
    ("cannabidiol drops", "cannabidiol"),
    ("Marijuana", "marijuana"),
    ("marijuan@", "marijuana"),
    ("mari-juana", "marijuana"),
    ("m4rijuana", "marijuana"),
    ("marihuana", "marihuana"),
    ("mari-hua-na", "marihuana"),
    ("THC", "thc"),
    ("tHc", "thc"),
    ("THC-free", "thc"),
    ("7HC", "thc"),
    ("t.h.c", "thc"),
    ("thc.", "thc"),
    ("(THC)", "thc"),
    ("hemp", "hemp"),
    ("HEMP seed", "hemp"),
    ("h.e.m.p", "hemp"),
    ("h e m p", "hemp"),
    ("Hemp Street", "hemp"),
    ("h3mp", "hemp"),
    ('Ask about "cbd"', "cbd"),
    ("Your Rx is ready. New: CBD!", "cbd"),
]

CLEAN = [
    "abcde",
    "Thackeray",
    "Hempstead",
    "123 Hempstead Turnpike",
    "the cbdshop",
    "Your Rx is ready for pickup",
    "Your prescription #RX123 is ready",
    "Happy birthday, Maria!",
    "Reply STOP to opt out",
    "Call us at (555) 010-2000",
    "Amoxicillin 500 mg",
    "Atorvastatin 20mg",
    "Thanks for choosing Main Street Pharmacy",
    "Methotrexate",
    "thick",
    "hemisphere",
    "shempa",
    "Cannaday",
    "scannable",
    "abcd efg",
    "a b c d",
    "The chemist",
    "Mariachi",
    "ABC Drugs",
    "",
]


@pytest.mark.parametrize(("text", "word"), FLAGGED)
def test_flagged(text: str, word: str) -> None:
    matches = find_restricted(text, DEFAULT_RESTRICTED_WORDS)
    assert matches, f"{text!r} should be flagged"
    assert matches[0].word == word


@pytest.mark.parametrize("text", CLEAN)
def test_not_flagged(text: str) -> None:
    assert find_restricted(text, DEFAULT_RESTRICTED_WORDS) == []


def test_the_corpus_is_large_enough() -> None:
    assert len(FLAGGED) + len(CLEAN) >= 60


def test_positions_point_at_the_word_in_the_original_text() -> None:
    text = "Hello Ana, ask about C.B.D. and hemp today"
    matches = find_restricted(text, DEFAULT_RESTRICTED_WORDS)
    assert [(m.word, text[m.start : m.end]) for m in matches] == [
        ("cbd", "C.B.D"),
        ("hemp", "hemp"),
    ]


def test_a_custom_list_is_used_as_given() -> None:
    assert find_restricted("Try KRATOM now", ["kratom"])[0].word == "kratom"
    assert find_restricted("Try CBD now", ["kratom"]) == []
    assert find_restricted("anything", []) == []
    assert normalise_word(" K-r@tom ") == "kratom"


@given(st.text(max_size=200))
def test_any_text_is_checked_without_error(text: str) -> None:
    for match in find_restricted(text, DEFAULT_RESTRICTED_WORDS):
        assert 0 <= match.start < match.end <= len(text)


def _reference_find(text: str, words: list[str]) -> list[tuple[str, int, int]]:
    """The rule as first written: every join of fragments squeezed anew, letter by letter."""
    from rxmsg_tui.domain.restricted_words import _fragments_by_letter

    def squeeze(letters: str) -> str:
        return "".join(ch for k, ch in enumerate(letters) if k == 0 or letters[k - 1] != ch)

    targets = {squeeze(normalise_word(w)): normalise_word(w) for w in words if normalise_word(w)}
    if not targets or not text:
        return []
    longest = max(len(t) for t in targets) + 1
    fragments = _fragments_by_letter(text)
    found, i = [], 0
    while i < len(fragments):
        joined, hit = "", None
        for j in range(i, len(fragments)):
            joined += fragments[j].letters
            squeezed = squeeze(joined)
            if len(squeezed) > longest:
                break
            if squeezed in targets:
                hit = (targets[squeezed], j)
            elif squeezed.endswith("s") and squeezed[:-1] in targets:
                hit = (targets[squeezed[:-1]], j)
        if hit is None:
            i += 1
            continue
        found.append((hit[0], fragments[i].start, fragments[hit[1]].end))
        i = hit[1] + 1
    return found


_TRICKY = st.text(
    alphabet=st.sampled_from(list("cbdthempanisuroj .-_@$01345ÇçáсеоCBDTHEMP\u200b\n")), max_size=60
)


@given(text=_TRICKY)
def test_the_quick_search_finds_what_the_plain_rule_finds(text: str) -> None:
    words = list(DEFAULT_RESTRICTED_WORDS)
    quick = [(m.word, m.start, m.end) for m in find_restricted(text, words)]
    assert quick == _reference_find(text, words)


@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_plain_ascii_is_cut_into_the_same_fragments_both_ways(text: str) -> None:
    from rxmsg_tui.domain.restricted_words import _fragments, _fragments_by_letter

    assert _fragments(text) == _fragments_by_letter(text)
