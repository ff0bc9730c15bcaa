"""The Textual App (being built)."""

from __future__ import annotations

from textual.app import App

from rxmsg_tui.services.context import AppContext


class RxMsgApp(App[None]):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
