"""Alembic environment: runs on the engine rxmsg hands over, never on a URL of its own."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from rxmsg_tui.storage import models  # noqa: F401  (fills the metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("rxmsg runs migrations with its own engine (storage.migrate)")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
