"""Who is acting: the store and the signed-in user, passed to every service that audits."""

from __future__ import annotations

from dataclasses import dataclass

from rxmsg_tui.domain.vocabulary import Role


@dataclass(frozen=True)
class Actor:
    store_id: int
    store_code: str
    username: str
    role: Role
