"""Inbound texts: polled from the store's SMS provider, stored once, keywords applied at once.

Others call `poll_inbound` (the scheduler's job, `rxmsg inbound --once`) or
`record_inbound` (messages already in hand, e.g. a simulation); both return
an `InboundReport` of what was read and done.
"""

from rxmsg_tui.services.inbound.polling import poll_inbound, record_inbound
from rxmsg_tui.services.inbound.report import InboundReport

__all__ = ["InboundReport", "poll_inbound", "record_inbound"]
