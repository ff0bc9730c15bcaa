"""The audit entries of `rxmsg serve` sessions, written off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rxmsg_tui.services import remote_sessions
from rxmsg_tui.services.context import AppContext


@dataclass
class SessionLog:
    """Records session starts and ends as the user who runs `rxmsg serve`."""

    context: AppContext

    async def started(self, *, peer: str, session: str) -> None:
        ctx = self.context
        await asyncio.to_thread(
            remote_sessions.session_started,
            ctx.db,
            ctx.actor,
            peer=peer,
            session=session,
            at=ctx.clock.now(),
        )

    async def ended(self, *, peer: str, session: str, reason: str, seconds: int) -> None:
        ctx = self.context
        await asyncio.to_thread(
            remote_sessions.session_ended,
            ctx.db,
            ctx.actor,
            peer=peer,
            session=session,
            at=ctx.clock.now(),
            reason=reason,
            seconds=seconds,
        )
