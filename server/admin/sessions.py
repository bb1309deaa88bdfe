"""Live interactive exec sessions, so that an admin can end one through the API.

ExecStream registers each session while its websocket is open, with a way to close it; ending
a session closes the websocket to the cluster (the command's terminal goes away, as when a
kubectl exec client disconnects) and makes the stream end with ABORTED, reason
SESSION_TERMINATED. One registry per server (it lives on the Runtime).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from server.errors import Aborted, NotFound

# How long TerminateExecSession waits for the session to wind down and save its record.
END_WAIT_SECONDS = 10.0


@dataclass
class LiveSession:
    name: str
    # The session's record (an ExecSession message): complete once `ended` is set.
    record: Any
    close: Callable[[], Awaitable[None]]
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    terminated_by: str = ""
    reason: str = ""

    def check(self) -> None:
        """Raise the stream's final error if an admin ended the session."""
        if self.terminated_by:
            why = f": {self.reason}" if self.reason else ""
            raise Aborted(f"exec session {self.name} was terminated by {self.terminated_by}{why}",
                          "SESSION_TERMINATED", metadata={"session": self.name,
                                                          "terminated_by": self.terminated_by})


class LiveSessions:
    def __init__(self) -> None:
        self._live: dict[str, LiveSession] = {}

    def add(self, record: Any, close: Callable[[], Awaitable[None]]) -> LiveSession:
        session = LiveSession(record.name, record, close)
        self._live[session.name] = session
        return session

    def remove(self, session: LiveSession) -> None:
        """The session is over and its record saved."""
        self._live.pop(session.name, None)
        session.ended.set()

    async def terminate(self, name: str, by: str, reason: str) -> Any:
        """End a live session; returns its record as saved when it ended."""
        session = self._live.get(name)
        if session is None:
            raise NotFound(f"no live interactive exec session {name} (it ended, was one-shot, or never "
                           "existed)", "LIVE_SESSION_NOT_FOUND", metadata={"session": name})
        session.terminated_by, session.reason = by, reason
        await session.close()
        try:
            await asyncio.wait_for(session.ended.wait(), END_WAIT_SECONDS)
        except asyncio.TimeoutError:
            pass  # closed upstream; the record is saved when the stream's task next runs
        return session.record
