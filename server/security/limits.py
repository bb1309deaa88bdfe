"""Per-caller abuse limits: a token bucket for call rate, a cap on concurrently open streams.

Both live in memory on the event loop thread (no locks needed); entries for callers idle long
enough to have refilled are dropped, so memory follows the number of active callers.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from server.errors import ResourceExhausted

# A stream refused for the concurrency cap has no known free-up time; suggest a short wait.
STREAM_RETRY_SECONDS = 1.0
_PRUNE_AT = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class CallerLimits:
    def __init__(self, rate_per_second: float, burst: int, max_streams: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`rate_per_second` 0 turns the rate limit off, `max_streams` 0 the stream cap."""
        self.rate = rate_per_second
        self.burst = max(burst, 1)
        self.max_streams = max_streams
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._streams: dict[str, int] = {}

    def admit(self, caller: str) -> None:
        """Take one call from the caller's bucket; ResourceExhausted with the wait otherwise."""
        if self.rate <= 0:
            return
        now = self._clock()
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= _PRUNE_AT:
                self._prune(now)
            bucket = self._buckets[caller] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            raise ResourceExhausted(
                f"rate limit of {self.rate:g} calls/s (burst {self.burst}) exceeded for {caller}",
                "RATE_LIMITED", retry_after=(1 - bucket.tokens) / self.rate)
        bucket.tokens -= 1

    def _prune(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]

    @contextmanager
    def stream(self, caller: str) -> Iterator[None]:
        """Hold one of the caller's stream slots for the life of a streaming call."""
        open_now = self._streams.get(caller, 0)
        if self.max_streams and open_now >= self.max_streams:
            raise ResourceExhausted(
                f"{caller} already has {open_now} open streams (the limit is {self.max_streams})",
                "TOO_MANY_STREAMS", retry_after=STREAM_RETRY_SECONDS)
        self._streams[caller] = open_now + 1
        try:
            yield
        finally:
            left = self._streams[caller] - 1
            if left:
                self._streams[caller] = left
            else:
                del self._streams[caller]
