"""Imports hold off the cyclic collector and always hand it back as they found it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.importing import RowsRejected, import_patients
from rxmsg_tui.services.importing.collection_pause import collection_paused
from rxmsg_tui.storage.database import Database
from tests.conftest import NOW
from tests.test_importer import PATIENT_HEADER, TODAY, write


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_nested_and_overlapping_pauses_end_with_the_collector_on() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_import() -> None:
        with collection_paused():
            first_in.set()
            second_done.wait(5)
        seen.append(gc.isenabled())  # the last pause to end switches it back on

    thread = threading.Thread(target=other_import)
    with collection_paused():
        thread.start()
        first_in.wait(5)
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's pause is still open
    second_done.set()
    thread.join(5)
    assert seen == [True]
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_program_stays_off() -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_an_import_that_fails_gives_the_collector_back(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.csv", PATIENT_HEADER, "P1,Ann,Lee,not a date,,,en,Y,N,N,")
    with pytest.raises(RowsRejected):
        import_patients(db, admin, path, today=TODAY, now=NOW)
    assert gc.isenabled()
    good = "P1,Ann,Lee,1950-02-28,,,en,Y,N,N,"
    import_patients(db, admin, write(tmp_path, "ok.csv", PATIENT_HEADER, good),
                    today=TODAY, now=NOW)  # fmt: skip
    assert gc.isenabled()
