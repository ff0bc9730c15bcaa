"""How big the demo pharmacy may grow: `rxmsg demo --patients` and the demo builder share the bound.

Named below every layer so the command answers a value out of range before
any database code loads.
"""

from __future__ import annotations

MAX_PATIENTS = 1_000_000
"""Demo patients at most (five prescriptions each)."""
