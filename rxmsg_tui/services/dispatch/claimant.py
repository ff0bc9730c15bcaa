"""Who holds a claim: host, pid and a token, so a dead holder on this host is seen at once."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Claimant:
    host: str
    pid: int
    token: str

    @classmethod
    def for_this_process(cls) -> Claimant:
        return cls(socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])

    def __str__(self) -> str:
        return f"{self.host}|{self.pid}|{self.token}"

    @classmethod
    def parse(cls, text: str) -> Claimant | None:
        parts = text.split("|")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
