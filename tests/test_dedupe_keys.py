"""The daily process (SQL) and an Rx event (Python) must build the very same dedupe
key for the same message, or a re-run or a recorded event would queue it twice."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.services.dedupe_keys import (
    KeyPart,
    dedupe_key,
    dedupe_key_sql,
    key_prefix,
    keyword_answer_key,
)
from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store

SUBJECTS: list[tuple[str, ...]] = [
    ("1042337", "2026-03-01", "due"),
    ("P-00017", "2026"),
    ("P-00017",),
    ("Rx 9:1", "2026-12-31"),
]


def test_a_key_names_store_rule_subject_and_channel() -> None:
    key = dedupe_key("MAIN", KeyPart.REFILL, ("1042337", "2026-03-01", "due"), Channel.SMS)
    assert key == "MAIN:refill:1042337:2026-03-01:due:sms"
    assert key.startswith(key_prefix("MAIN", KeyPart.REFILL))
    assert keyword_answer_key(42) == "keyword-reply:42"


@pytest.mark.parametrize("part", list(KeyPart))
def test_sql_builds_the_same_key_as_python(db: Database, part: KeyPart) -> None:
    for subject in SUBJECTS:
        for channel in Channel:
            columns = [literal(piece) for piece in subject]
            query = select(dedupe_key_sql("MAIN", part, columns, channel))
            with db.read() as session:
                built = session.connection().execute(query).scalar_one()
            assert built == dedupe_key("MAIN", part, subject, channel)


def test_sql_mixes_columns_and_plain_text_like_python(db: Database, store: Store) -> None:
    stores = table(Store)
    query = select(
        dedupe_key_sql("TEST", KeyPart.BIRTHDAY, [stores.c.code, "2026"], Channel.EMAIL)
    ).where(stores.c.id == store.id)
    with db.read() as session:
        built = session.connection().execute(query).scalar_one()
    assert built == dedupe_key("TEST", KeyPart.BIRTHDAY, (store.code, "2026"), Channel.EMAIL)
    assert built == "TEST:birthday:TEST:2026:email"
