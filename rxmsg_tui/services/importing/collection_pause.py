"""The cyclic garbage collector held off while an import builds its rows.

An import holds a few million small objects at once (a record, a staging
row and a consent plan per patient), and CPython's collector walks every
live object again each time enough new ones were made: for 200,000
patients that walking cost about a fifth of the import. Nothing an import
makes is cyclic, so reference counting frees all of it; the collector is
switched back on when the last import running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic collection inside the block; nestable and safe across threads.

    Imports may run in a worker thread beside the screens (whose cycles wait
    for the block's end, a few seconds) or in two threads at once: the
    collector comes back on only when the last block ends, and only if it
    was on when the first began.
    """
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
