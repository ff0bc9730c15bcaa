"""Opens the Textual App; Textual is imported only here, so CLI commands start fast."""

from __future__ import annotations

from rxmsg_tui.services.context import AppContext


def open_tui(context: AppContext) -> None:
    from rxmsg_tui.app import RxMsgApp

    RxMsgApp(context).run()
