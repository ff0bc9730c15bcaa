"""The text a terminal shows for the current screen, line by line, as staff would read it."""

from __future__ import annotations

from textual.app import App


def screen_lines(app: App[object]) -> list[str]:
    """Every row of the screen (dialogs over it included) as plain text, colours dropped."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
