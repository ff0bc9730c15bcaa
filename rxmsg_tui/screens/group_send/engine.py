"""The group send service as the wizard reaches it, read when first used.

The wizard's screens load even on an install whose group send service is
missing: the first call then answers "not available yet" on screen instead of
the whole App failing to start.
"""

from __future__ import annotations

import importlib
from typing import Any

from rxmsg_tui.services.errors import NotAvailableYet

SERVICE = "rxmsg_tui.services.group_send"


def group_send() -> Any:
    """The `services.group_send` module; raises NotAvailableYet when it is not there."""
    try:
        return importlib.import_module(SERVICE)
    except ModuleNotFoundError as error:
        if error.name is not None and SERVICE.startswith(error.name):
            raise NotAvailableYet("Send Email/SMS is not available yet") from error
        raise
