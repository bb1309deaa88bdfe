"""Every store change pushed to a git remote in the background, off the request path; and, on a
follower, the fetches that keep its store tracking the remote (server/replication/ha.py).

A change (a store listener) wakes the pusher; a failed push is retried with capped, jittered
exponential backoff while local commits go on as usual (they are never at risk: the remote is a
copy). Health service `kubecommit.Mirror` turns NOT_SERVING while a push or a follower's fetch
fails, one warning is logged per outage and one line when it recovers; metrics carry the lag,
every push and fetch by result, and when each last succeeded.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from typing import Awaitable, Callable

from prometheus_client import Counter

from gitstore import RemoteError
from gitstore import redact_url as redact
from server.observability.metrics import Metrics
from server.storage import Storage

log = logging.getLogger("kubecommit.mirror")

HEALTH_SERVICE = "kubecommit.Mirror"
# Told (operation "push" or "fetch", reached, what failed) after every failed operation and when
# the remote is reached again: the app's health service, the `mirror` alert rule.
RemoteReport = Callable[[str, bool, str], Awaitable[None]]


class Mirror:
    def __init__(self, storage: Storage, url: str, metrics: Metrics, *, interval: float = 30.0,
                 retry_min: float = 0.5, retry_max: float = 60.0) -> None:
        self.storage = storage
        self.url = url
        self.metrics = metrics
        self.interval = interval
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.healthy = True
        self._lock = threading.Lock()
        self._pending_since: float | None = time.time()  # the first push sends what exists
        # Store changes seen, and how many of them the remote is known to hold.
        self.generation = 0
        self._pushed = 0
        self._advanced = asyncio.Event()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.reports: list[RemoteReport] = []
        metrics.mirror_lag.set_function(self.lag)
        storage.store.add_listener(self._changed)

    def lag(self) -> float:
        """Seconds since the oldest change the remote does not have yet; 0 in sync."""
        pending = self._pending_since
        return 0.0 if pending is None else max(0.0, time.time() - pending)

    def _changed(self, operation: str) -> None:
        """A store listener: runs in whichever thread wrote."""
        with self._lock:
            self.generation += 1
            if self._pending_since is None:
                self._pending_since = time.time()
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._wake.set()  # whatever changed while stopped goes first
        self._task = asyncio.create_task(self._run(), name="kubecommit-mirror")

    async def _run(self) -> None:
        assert self._wake is not None
        failures = 0
        while True:
            if self._pending_since is None:
                try:  # also pushes now and then: refs moved by other means (a restore) go too
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                except asyncio.TimeoutError:
                    self._changed("ref")
            self._wake.clear()
            if await self.push_once():
                failures = 0
                continue
            failures += 1
            pause = min(self.retry_max, self.retry_min * 2 ** (failures - 1)) * (0.5 + random.random() / 2)
            await asyncio.sleep(pause)

    async def push_once(self) -> bool:
        """One push of everything pending; True when the remote holds it all."""
        with self._lock:
            started, target = self._pending_since, self.generation
        try:
            await self.storage.push(self.url)
        except RemoteError as error:
            await self._failed("push", error)
            return False
        with self._lock:
            if self._pending_since == started:  # nothing new arrived during the push
                self._pending_since = None
            self._pushed = max(self._pushed, target)
        self._advanced.set()
        self._advanced = asyncio.Event()
        self.metrics.mirror_last_success.set(time.time())
        await self._succeeded("push")
        return True

    async def fetch_once(self) -> bool:
        """A follower's (or a new leader's) fetch of the remote. Its failures are the remote's
        health as a push's are: a follower that cannot fetch serves reads that fall behind."""
        try:
            await self.storage.fetch(self.url)
        except RemoteError as error:
            await self._failed("fetch", error)
            return False
        self.metrics.mirror_last_fetch.set(time.time())
        await self._succeeded("fetch")
        return True

    def _counter(self, operation: str) -> Counter:
        return self.metrics.mirror_pushes if operation == "push" else self.metrics.mirror_fetches

    async def _failed(self, operation: str, error: RemoteError) -> None:
        """One warning per outage; health NOT_SERVING until an operation succeeds again."""
        self._counter(operation).labels("failed").inc()
        if self.healthy:
            log.warning(f"the git remote is out of reach: {operation} failed; retrying",
                        extra={"remote": redact(self.url), "error": str(error)})
        # The message names the remote redacted; a transport's own words might quote the URL.
        await self._set_health(operation, False, str(error).replace(self.url, redact(self.url)))

    async def _succeeded(self, operation: str) -> None:
        self._counter(operation).labels("ok").inc()
        if not self.healthy:
            log.info(f"the git remote is back: {operation} succeeded", extra={"remote": redact(self.url)})
        await self._set_health(operation, True, "")

    async def wait_pushed(self, generation: int, timeout: float) -> bool:
        """Waits until the remote holds the first `generation` changes; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._pushed < generation:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._advanced.wait(), remaining)
            except asyncio.TimeoutError:
                return False
        return True

    async def _set_health(self, operation: str, healthy: bool, detail: str) -> None:
        changed, self.healthy = healthy != self.healthy, healthy
        if changed or not healthy:
            for report in self.reports:
                try:
                    await report(operation, healthy, detail)
                except Exception:  # a listener's failure (its database away) must not stop the pusher
                    log.exception("reporting the git remote's state failed")

    async def stop(self, flush_seconds: float = 5.0) -> None:
        """Stops the pusher after one last bounded attempt to send what is pending (none when
        `flush_seconds` is 0: a replica that lost the lease must not push)."""
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None
        if self._pending_since is not None and flush_seconds > 0:
            try:
                await asyncio.wait_for(self.push_once(), flush_seconds)
            except asyncio.TimeoutError:
                log.warning("the git remote is behind at shutdown", extra={"remote": redact(self.url)})
