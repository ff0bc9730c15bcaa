"""One browser session's `rxmsg` process: the database URL in its environment, never in argv.

Any local user can read another process's command line (`ps`, `/proc/PID/
cmdline`), so a PostgreSQL password must not be there; the environment is
readable only by the same user. The process is also made sure to end when
its session does, even if it does not answer textual-serve's quit request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

log = logging.getLogger("rxmsg.serve")

QUIT_GRACE_SECONDS = 5.0
"""How long a session's process gets to quit before it is terminated, then killed."""


class SessionProcess(AppService):
    """textual-serve's app process with extra environment and a guaranteed end."""

    def __init__(
        self,
        command: str,
        *,
        extra_env: dict[str, str],
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        download_manager: DownloadManager,
    ) -> None:
        super().__init__(
            command,
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=download_manager,
        )
        self._extra_env = extra_env

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment: dict[str, str] = super()._build_environment(width=width, height=height)
        environment.update(self._extra_env)
        return environment

    @property
    def pid(self) -> int | None:
        return None if self._process is None else int(self._process.pid)

    async def stop(self) -> None:
        """Ask the TUI to quit; terminate it, then kill it, if it does not."""
        try:
            await asyncio.wait_for(super().stop(), QUIT_GRACE_SECONDS)
        except (TimeoutError, OSError, RuntimeError) as exc:
            log.warning("session process did not quit when asked: %s", type(exc).__name__)
        process = self._process
        if process is None:
            return
        for end in (None, process.terminate, process.kill):
            if end is not None:
                with contextlib.suppress(ProcessLookupError):
                    end()
            try:
                await asyncio.wait_for(process.wait(), QUIT_GRACE_SECONDS)
                return
            except TimeoutError:
                continue
