"""Outbound Messaging Setup's provider lines: what is configured, and the Test action.

The wire work (HTTP, SMTP, TCP) lives with the transports in `providers/`;
this is the use case the screen calls, so screens stay off the providers.
"""

from __future__ import annotations

from rxmsg_tui.providers.check_words import CheckResult, CheckTarget
from rxmsg_tui.providers.connection_check import check_provider
from rxmsg_tui.providers.credentials import LABELS, PROVIDERS, ProviderSummary, describe_providers

__all__ = [
    "LABELS",
    "PROVIDERS",
    "CheckResult",
    "CheckTarget",
    "ProviderSummary",
    "check_provider",
    "describe_providers",
]
