"""Old home of the 2-way Message Template screen, kept while the App's menu still names it here."""

from rxmsg_tui.screens.two_way_message_template import (  # noqa: F401  # the App's menu entry
    TwoWayMessageTemplateScreen as QuickResponsesScreen,
)
