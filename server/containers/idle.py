"""Heartbeats for long-lived streams: Envoy and load balancers drop HTTP/2 streams that carry
nothing for minutes, so a quiet StreamLogs or ExecStream sends a small message now and then."""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator, Generic, TypeVar

from server.containers.inbox import Inbox

T = TypeVar("T")


class IdleTimer(Generic[T]):
    """The next item of `source`, or None once the stream has sent nothing for `seconds` (the caller
    then sends a heartbeat). Waiting for an item survives the timeouts: nothing is lost."""

    def __init__(self, source: AsyncIterator[T], seconds: float) -> None:
        self.source = source
        self.seconds = seconds
        self.last_sent = time.monotonic()
        self._next: asyncio.Future[T] | None = None

    @property
    def waiting(self) -> bool:
        """Whether a wait for the next item is under way (it may hold an item already)."""
        return self._next is not None

    def sent(self) -> None:
        """The stream just sent a message."""
        self.last_sent = time.monotonic()

    async def next(self) -> T | None:
        """Raises StopAsyncIteration when the source ends."""
        if self._next is None:
            self._next = asyncio.ensure_future(anext(self.source))
        done, _ = await asyncio.wait({self._next}, timeout=self.last_sent + self.seconds - time.monotonic())
        if not done:
            self.sent()
            return None
        task, self._next = self._next, None
        return task.result()

    async def close(self) -> None:
        if self._next is not None:
            self._next.cancel()
            await asyncio.gather(self._next, return_exceptions=True)
            self._next = None


class QueueTimer(Generic[T]):
    """IdleTimer for a source that is a queue, without a task: a wait for the next item is the
    caller's own `queue.get()` under a timeout, which a queue survives (a cancelled `get` takes
    nothing). A follow waits like this for its whole idle life, where a task per wait (IdleTimer's)
    cost a task, its future and its wait objects for each of hundreds of idle streams."""

    __slots__ = ("queue", "seconds", "last_sent")

    def __init__(self, queue: Inbox[T], seconds: float) -> None:
        self.queue = queue
        self.seconds = seconds
        self.last_sent = time.monotonic()

    def sent(self) -> None:
        """The stream just sent a message."""
        self.last_sent = time.monotonic()

    async def next(self) -> T | None:
        """The next item, or None once the stream has sent nothing for `seconds`."""
        try:
            async with asyncio.timeout(self.last_sent + self.seconds - time.monotonic()):
                return await self.queue.get()
        except TimeoutError:
            self.sent()
            return None
