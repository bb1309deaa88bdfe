"""The merged follow stream of StreamLogs.

One reader task per followed container parses its upstream chunks and puts lists of entries on one
bounded queue; the sender drains whatever is queued (at most MAX_BATCH entries per message) and
sends at once. Batches are therefore as large as the backlog that built up during the previous
send: a quiet container's line goes out immediately, a noisy one's lines ride hundreds to a message
(gRPC Python manages ~12k messages/s whatever their size). When the client is slow, `yield` waits on
HTTP/2 flow control, the queue fills, readers stop reading and TCP pushes back to the cluster:
memory stays bounded by the queue. Paused streams keep reading into a bounded buffer and count
what falls out of it. With a selector, a watch on the matching pods starts and stops readers as pods
come and go. Cancelling the RPC cancels every task and closes the aiohttp session, which closes
every upstream connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, AsyncIterator

from kubecommit.v1 import containers_pb2 as pb
from server.containers.logs import Entry, LineFilter, Query, Target, add_entries, list_pods, \
    parse_lines, resolve, selected_targets, split_lines
from server.errors import InvalidArgument, KubecommitError
from server.kube import ClusterConnection, paths
from server.kube.streams import ClusterStreams

log = logging.getLogger("kubecommit.containers")

MAX_BATCH = 500
# Chunks (lists of entries, at most one upstream read each) queued between readers and the sender.
QUEUE_CHUNKS = 256
PAUSE_BUFFER = 10_000
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Change:
    """A container joined or left the merged stream."""

    joined: bool
    key: str


@dataclass(frozen=True)
class Failure:
    error: BaseException


_WAKE = object()
Item = Any  # list[Entry] | Change | Failure | _WAKE


class LogFollow:
    def __init__(self, conn: ClusterConnection, query: Query) -> None:
        self.conn = conn
        self.query = query
        self.filter: LineFilter = query.filter
        self.paused = False
        self.queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_CHUNKS)
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.last_ns: dict[str, int] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.started_ns = time.time_ns()
        self.streams = ClusterStreams(conn)

    # -- readers --------------------------------------------------------------------------

    def follow(self, target: Target, since_ns: int | None = None) -> None:
        if target.key in self.readers:
            return
        self.readers[target.key] = asyncio.create_task(self._read(target, since_ns))

    async def _read(self, target: Target, since_ns: int | None) -> None:
        key, query = target.key, self.query
        response = None
        try:
            response = await self.streams.get(query.log_path(target.pod),
                                              query.upstream(target, follow=True, since_ns=since_ns))
            await self.queue.put(Change(True, key))
            pending = b""
            async for chunk in response.content.iter_chunked(READ_CHUNK):
                lines, pending = split_lines(pending, chunk)
                entries = query.window(parse_lines(target.pod, target.container, lines, query.view), since_ns)
                if entries:
                    self.last_ns[key] = entries[-1].time_ns
                    await self.queue.put(entries)
        except KubecommitError as error:
            if self.query.pod:
                await self.queue.put(Failure(error))
            else:  # one pod of a selector going away mid-read is not the stream's failure
                log.info("log follow ended", extra={"container": key, "reason": error.reason})
        finally:
            if response is not None:
                response.release()
            if self.readers.get(key) is asyncio.current_task():
                del self.readers[key]
                if response is not None and not _cancelling():
                    await self.queue.put(Change(False, key))

    # -- pods coming and going -------------------------------------------------------------

    async def _watch(self, resource_version: str) -> None:
        """Starts readers for pods that start matching and running; stops those of deleted pods."""
        path = paths.pods(self.query.namespace)
        while True:
            try:
                response = await self.streams.get(path, [
                    ("watch", "1"), ("labelSelector", self.query.selector),
                    ("resourceVersion", resource_version), ("allowWatchBookmarks", "true")])
                try:
                    pending = b""
                    async for chunk in response.content.iter_any():
                        lines, pending = split_lines(pending, chunk)
                        for line in lines:
                            resource_version = self._on_event(json.loads(line), resource_version)
                finally:
                    response.release()
            except KubecommitError as error:
                log.info("pod watch restarting", extra={"reason": error.reason})
                await asyncio.sleep(1.0)
            if not resource_version:  # expired: list again and reconcile
                resource_version = await self._relist()

    def _on_event(self, event: dict[str, Any], resource_version: str) -> str:
        kind, pod = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            return ""
        rv = (pod.get("metadata") or {}).get("resourceVersion") or resource_version
        if kind == "DELETED":
            name = pod["metadata"]["name"]
            for key, task in list(self.readers.items()):
                if key.startswith(name + "/"):
                    task.cancel()
                    del self.readers[key]
                    self._spawn(self.queue.put(Change(False, key)))
        elif kind in ("ADDED", "MODIFIED"):
            self._start(selected_targets(self.query, [pod]))
        return rv

    def _start(self, targets: list[Target]) -> None:
        for target in targets:
            last = self.last_ns.get(target.key)
            self.follow(target, last + 1 if last is not None else self.started_ns)

    async def _relist(self) -> str:
        pods = await list_pods(self.conn, self.query)
        self._start(selected_targets(self.query, pods.get("items") or []))
        return (pods.get("metadata") or {}).get("resourceVersion", "")

    # -- client control --------------------------------------------------------------------

    async def _control(self, requests: AsyncIterator[pb.StreamLogsRequest]) -> None:
        try:
            async for request in requests:
                which = request.WhichOneof("control")
                if which == "filter":
                    self.filter = LineFilter.parse(request.filter, "filter")
                elif which == "pause":
                    self.paused = request.pause
                elif which == "resume":
                    self.paused = not request.resume
                elif which == "query":
                    raise InvalidArgument.field("query", "the query is sent once, in the first message")
                if not self.queue.full():
                    self.queue.put_nowait(_WAKE)
        except KubecommitError as error:
            await self.queue.put(Failure(error))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)

    # -- the stream ------------------------------------------------------------------------

    async def run(self, requests: AsyncIterator[pb.StreamLogsRequest]) -> AsyncIterator[pb.StreamLogsResponse]:
        try:
            if self.query.pod:
                for target in await resolve(self.conn, self.query):
                    self.follow(target)
            else:
                pods = await list_pods(self.conn, self.query)
                for target in selected_targets(self.query, pods.get("items") or []):
                    self.follow(target)
                self._spawn(self._watch((pods.get("metadata") or {}).get("resourceVersion", "")))
            self._spawn(self._control(requests))
            async for response in self._batches():
                yield response
        finally:
            await self.close()

    async def _batches(self) -> AsyncIterator[pb.StreamLogsResponse]:
        held: deque[Entry] = deque(maxlen=PAUSE_BUFFER)
        dropped = 0
        queue = self.queue
        while True:
            if self.query.pod and not self.readers and queue.empty():
                return  # every followed container of the pod is gone
            items = [await queue.get()]
            while not queue.empty() and len(items) < QUEUE_CHUNKS:
                items.append(queue.get_nowait())
            entries: list[Entry] = []
            joined: list[str] = []
            left: list[str] = []
            apply = self.filter.apply
            for item in items:
                if type(item) is list:
                    entries += apply(item)
                elif isinstance(item, Change):
                    (joined if item.joined else left).append(item.key)
                elif isinstance(item, Failure):
                    raise item.error
            if self.paused:
                overflow = len(held) + len(entries) - PAUSE_BUFFER
                dropped += max(0, overflow)
                held.extend(entries)
                entries = []
            elif held:
                entries = [*held, *entries]
                held.clear()
            if not (entries or joined or left or dropped and not self.paused):
                continue
            for start in range(0, max(len(entries), 1), MAX_BATCH):
                response = pb.StreamLogsResponse(joined=joined, left=left)
                if not self.paused:
                    response.dropped, dropped = dropped, 0
                add_entries(response.entries, entries[start:start + MAX_BATCH])
                joined, left = [], []
                yield response

    async def close(self) -> None:
        tasks = [*self.readers.values(), *self.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.readers.clear()
        await self.streams.close()


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
