"""The restricted-word list every new store starts with (DESIGN.md §4)."""

from __future__ import annotations

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
