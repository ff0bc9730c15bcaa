"""The spoken-length estimate the format editor shows beside an Outbound Call text."""

from __future__ import annotations

from rxmsg_tui.domain.spoken_length import spoken_length, spoken_seconds, spoken_words


def test_words_at_150_a_minute_rounded_up() -> None:
    assert spoken_seconds("") == 0
    assert spoken_seconds("Hello") == 1
    assert spoken_seconds(" ".join(["word"] * 150)) == 60
    assert spoken_length(" ".join(["word"] * 55)) == "≈ 22 s spoken"
    assert spoken_length(" ".join(["word"] * 165)) == "≈ 1 min 06 s spoken"


def test_digits_are_read_two_to_a_word_and_contractions_are_one() -> None:
    assert spoken_words("Rx 1234567 is ready") == 1 + 4 + 2
    assert spoken_words("We're at 5550102000, don't worry") == 1 + 1 + 5 + 1 + 1
