"""The merged follow stream of StreamLogs.

One reader task per followed container turns each upstream read into a chunk (in the entry views
with every line's entry already encoded) and puts it on one bounded queue; the sender drains
whatever is queued (at most MAX_BATCH entries or MAX_MESSAGE_BYTES per message) and sends at
once. Batches are therefore as large as the backlog that built up during the previous send: a
quiet container's line goes out immediately, a noisy one's lines ride hundreds to a message (gRPC
Python manages ~12k messages/s whatever their size). When the client is slow, `yield` waits on
HTTP/2 flow control, the queue fills, readers stop reading and TCP pushes back to the cluster:
memory stays bounded by the queue. Paused streams keep reading into a bounded buffer and count
what falls out of it. With a selector, a watch on the matching pods starts and stops readers as pods
come and go. Cancelling the RPC cancels every task and closes the aiohttp session, which closes
every upstream connection.

Streams tell the truth about their upstreams. When a container's log stream ends, the pod is
looked at again: a pod or container that is gone or stopped just leaves the stream; a container
that still runs, or a cluster that does not answer, means the upstream was lost. A lost upstream
ends a one-pod follow with that error (UNAVAILABLE); in a selector follow it is reported in-stream
(`errors`) and the others go on, and when the pod watch cannot be re-established while no
container is followed any more, the follow ends with the watch's error. The client's half-close
ends the follow with OK after what was already read is sent. A filter change is acknowledged in
order (`filter_applied`), and an idle stream gets a heartbeat.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator

from kubecommit.v1 import containers_pb2 as pb
from server import context
from server.containers.idle import QueueTimer
from server.containers.inbox import Inbox
from server.containers.convert import encoded_entries, encoded_with_chunks, heartbeat, parse_filter
from server.containers.logs.chunks import Chunk
from server.containers.logs.lines import RAW, split_lines
from server.containers.logs.queries import LineFilter, Query, Target
from server.containers.logs.reads import list_pods, resolve, selected_targets
from server.containers.targets import container_status, get_pod, state_of
from server.errors import InvalidArgument, KubecommitError, NotFound, Unavailable
from server.kube import ClusterConnection, paths
from server.kube.streams import ClusterStreams
from server.messages import status_message

log = logging.getLogger("kubecommit.containers")

MAX_BATCH = 500
# Chunks (LOG_VIEW_RAW, `chunked`) and encoded entries are packed into a message up to this many bytes.
MAX_MESSAGE_BYTES = 1024 * 1024
# Upstream bytes queued between readers and the sender at most (chunks of lines), the bound of a
# stream's memory while its client is slow.
QUEUE_BYTES = 16 * 1024 * 1024
# The bound in the entry views (FULL and BASIC without `chunked`), whose chunks also hold each line
# as an encoded entry: ~3x the upstream bytes a chunk. 16 still hold ~12,000 lines, 24 messages of
# MAX_BATCH, between the readers and the sender. (When the queue held `Entry` objects, 256 chunks a
# stream made the garbage collector's full collections walk millions of them.)
QUEUE_ENTRY_CHUNKS = 16
PAUSE_BUFFER = 10_000
# Bytes of one upstream read when its lines are parsed (entries, `chunked`): one parse of this
# many bytes (~3 ms) is a reader's unit of work between two turns of the event loop.
READ_CHUNK = 64 * 1024
# LOG_VIEW_RAW reads what arrived, up to this much (one socket read of asyncio's): nothing is
# parsed, and each read, chunk and message costs Python work whatever its size.
RAW_READ = 256 * 1024
# A reader or sender that has run this long without suspending yields to the event loop (see Turn).
TURN_SECONDS = 0.002
# Consecutive failed attempts to (re)open the pod watch, with no container followed any more, after
# which a selector follow ends with the watch's error.
WATCH_ATTEMPTS = 3
WATCH_RETRY_SECONDS = 1.0
# A container whose log ended but whose status still says running is looked at once more after
# this long (the kubelet updates the status a moment after the container stops).
RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Change:
    """A container joined or left the merged stream."""

    joined: bool
    key: str


@dataclass(frozen=True)
class Failure:
    """Ends the stream with `error`."""

    error: BaseException


@dataclass(frozen=True)
class Lost:
    """One followed container's upstream failed; the stream goes on."""

    key: str
    error: KubecommitError


@dataclass(frozen=True)
class FilterChange:
    filter: LineFilter
    spec: pb.LogFilter


class Turn:
    """Yield points for a busy task. Nothing on the busy path suspends by itself (a read of data
    aiohttp already holds, a put on a queue with room, a gRPC write within the flow-control
    window), and asyncio runs every ready task once per turn of its loop: without yields, a reader
    with a backlog parses chunk after chunk while another stream's quiet line waits. Yielding after
    every chunk, though, lets the sender wake per chunk and send small messages (gRPC costs per
    message), so a task yields once it has run TURN_SECONDS: each parsed chunk (~3 ms), every
    ~40 RAW chunks."""

    def __init__(self) -> None:
        self.until = 0.0

    async def end(self) -> None:
        if time.monotonic() >= self.until:
            await asyncio.sleep(0)
            self.until = time.monotonic() + TURN_SECONDS


# A message of the stream: chunks go out already encoded (convert.encoded_with_chunks), passed
# through by StreamLogs' serializer (services/containers.py).
Response = pb.StreamLogsResponse | bytes

_WAKE = object()
_END = object()  # the client half-closed
Item = Any  # Chunk | Change | Failure | Lost | FilterChange | _WAKE | _END


@dataclass
class Pending:
    """What the items taken off the queue at once add up to."""

    chunks: list[Chunk] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    lost: list[Lost] = field(default_factory=list)


class LogFollow:
    def __init__(self, conn: ClusterConnection, query: Query, heartbeat_seconds: float) -> None:
        self.conn = conn
        self.query = query
        self.heartbeat_seconds = heartbeat_seconds
        self.filter: LineFilter = query.filter
        self.paused = False
        self.read_size = RAW_READ if query.view == RAW else READ_CHUNK
        self.queue: Inbox[Item] = Inbox(QUEUE_BYTES // self.read_size if query.in_chunks else QUEUE_ENTRY_CHUNKS)
        self.parsing = asyncio.Lock()
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.last_ns: dict[str, int] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.started_ns = time.time_ns()
        self.streams = ClusterStreams(conn)
        # The pause buffer, a list rather than a deque: an empty deque is ~760 bytes, paid by every idle follow.
        self.held_chunks: list[Chunk] = []
        self.held_lines = 0
        self.dropped = 0

    # -- readers --------------------------------------------------------------------------

    def follow(self, target: Target, since_ns: int | None = None) -> None:
        if target.key in self.readers:
            return
        self.readers[target.key] = asyncio.create_task(self._read(target, since_ns))

    async def _read(self, target: Target, since_ns: int | None) -> None:
        key, query = target.key, self.query
        joined = False
        failure: KubecommitError | None = None
        try:
            response = await self.streams.get(query.log_path(target.pod),
                                              query.upstream(target, follow=True, since_ns=since_ns))
            try:
                await self.queue.put(Change(True, key))
                joined = True
                await self._read_chunks(target, response, since_ns)
            finally:
                response.release()
        except KubecommitError as error:
            failure = error
        lost = await self._why_ended(target, failure)
        if lost is not None:
            log.info("log upstream lost", extra={"container": key, "reason": lost.reason})
            await self.queue.put(Failure(lost) if query.pod else Lost(key, lost))
        if self.readers.get(key) is asyncio.current_task():
            del self.readers[key]
            await self.queue.put(Change(False, key) if joined or lost is not None else _WAKE)

    async def _read_chunks(self, target: Target, response: Any, since_ns: int | None) -> None:
        """Whole upstream reads, cut after their last newline, become one chunk each (in the entry
        views with each line encoded as an entry); a last line without a newline goes out when the
        log ends."""
        # The start of the line the last read ended in, in pieces (a long line spans many reads):
        # each chunk is copied once, by the join, where adding and slicing copied it twice.
        pending: list[bytes] = []
        turn = Turn()
        async for data in self.streams.chunks(response, self.read_size):
            cut = data.rfind(b"\n") + 1
            if not cut:
                pending.append(data)
                continue
            lines = b"".join([*pending, memoryview(data)[:cut]]) if pending else data[:cut]
            pending = [data[cut:]] if cut < len(data) else []
            await self._put_chunk(target, lines, since_ns)
            # Not kept while waiting for the next read: a follow gone quiet after a burst would
            # hold its last read (up to RAW_READ, twice) for as long as it stays quiet.
            data = lines = b""
            await turn.end()
        await self._put_chunk(target, b"".join(pending), since_ns)

    async def _put_chunk(self, target: Target, data: bytes, since_ns: int | None) -> None:
        # One reader of this stream parses at a time: asyncio runs every ready task once per turn of
        # its loop, so 50 readers with a backlog would each parse a chunk (~3 ms in a parsed view)
        # before another stream's quiet line got its turn.
        async with self.parsing:
            chunk = self._chunk(target, data, since_ns) if data else None
        if chunk is not None:
            if chunk.last_ns:
                self.last_ns[target.key] = chunk.last_ns
            await self.queue.put(chunk)

    def _chunk(self, target: Target, data: bytes, since_ns: int | None) -> Chunk | None:
        if self.query.in_chunks:
            return self.query.raw_chunk(target, data, since_ns)
        parsed = self.query.parsed_chunk(target, data, since_ns)
        if parsed is None:
            return None
        chunk = parsed.chunk
        chunk.encoded, chunk.messages = encoded_entries(parsed), None  # the messages are in the entries
        return chunk

    async def _why_ended(self, target: Target, failure: KubecommitError | None) -> KubecommitError | None:
        """Why a container's log stream ended: None when the container is gone or stopped (its log
        is complete), else the error (the cluster's, or UNAVAILABLE for a stream cut short)."""
        if failure is None and self.query.previous:
            return None  # a previous instance's log ends by itself
        for attempt in range(2):
            try:
                status = container_status(await get_pod(self.conn, self.query.namespace, target.pod),
                                          target.container)
            except NotFound:
                return None
            except KubecommitError as error:
                return error
            if state_of(status)[0] != "running":
                return None
            if failure is not None:
                return failure
            if attempt == 0:
                await asyncio.sleep(RECHECK_SECONDS)
        return Unavailable(f"cluster {self.conn.name}: the log stream of {target.key} ended while the container "
                           "still runs", "CLUSTER_STREAM_LOST", metadata={"cluster": self.conn.name,
                                                                          "container": target.key},
                           retry_after=1.0)

    # -- pods coming and going -------------------------------------------------------------

    async def _watch(self, resource_version: str) -> None:
        """Starts readers for pods that start matching and running; stops those of deleted pods.
        Gives up (ending the stream) only when it cannot be re-established while nothing is followed."""
        path = paths.pods(self.query.namespace)
        failures = 0
        while True:
            try:
                if not resource_version:  # expired: list again and reconcile
                    resource_version = await self._relist()
                response = await self.streams.open_watch(path, [
                    ("watch", "1"), ("labelSelector", self.query.selector),
                    ("resourceVersion", resource_version), ("allowWatchBookmarks", "true")])
                failures = 0
                try:
                    pending = b""
                    async for chunk in self.streams.chunks(response):
                        lines, pending = split_lines(pending, chunk)
                        for line in lines:
                            resource_version = self._on_event(json.loads(line), resource_version)
                finally:
                    response.release()
            except KubecommitError as error:
                failures += 1
                if failures >= WATCH_ATTEMPTS and not self.readers:
                    await self.queue.put(Failure(error))
                    return
                log.info("pod watch restarting", extra={"reason": error.reason})
                await asyncio.sleep(WATCH_RETRY_SECONDS)

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
                    await self.queue.put(FilterChange(parse_filter(request.filter, "filter"), request.filter))
                    continue
                if which == "pause":
                    self.paused = request.pause
                elif which == "resume":
                    self.paused = not request.resume
                elif which == "query":
                    raise InvalidArgument.field("query", "the query is sent once, in the first message")
                if not self.queue.full():
                    self.queue.put_nowait(_WAKE)
            await self.queue.put(_END)
        except KubecommitError as error:
            await self.queue.put(Failure(error))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)

    # -- the stream ------------------------------------------------------------------------

    async def run(self, requests: AsyncIterator[pb.StreamLogsRequest]) -> AsyncIterator[Response]:
        try:
            if self.query.pod and self.query.container:
                # One named container: its upstream is opened while the pod is looked up (which names
                # a missing pod or container, or one not started, and then ends the stream first):
                # a cluster answers a log request once it has the backlog ready, so the two waits overlap.
                self.follow(Target(self.query.pod, self.query.container))
                await resolve(self.conn, self.query)
            elif self.query.pod:
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

    async def _batches(self) -> AsyncIterator[Response]:
        queue, turn = self.queue, Turn()
        timer: QueueTimer[Item] = QueueTimer(queue, self.heartbeat_seconds)
        while True:
            # Busy: take what is queued without a wait (a timer per message would cost throughput).
            first = queue.get_nowait() if not queue.empty() else await timer.next()
            if first is None:
                yield heartbeat(pb.StreamLogsResponse())
                continue
            items = [first]
            while not queue.empty() and len(items) < queue.maxsize:
                items.append(queue.get_nowait())
            pending = Pending()
            for item in items:
                if type(item) is Chunk:
                    if (kept := self.filter.select(item)) is not None:
                        pending.chunks.append(kept)
                elif isinstance(item, Change):
                    (pending.joined if item.joined else pending.left).append(item.key)
                elif isinstance(item, Lost):
                    pending.lost.append(item)
                elif item is not _WAKE:  # a filter change, the end, or a failure: send what came before
                    for response in self._responses(pending):
                        yield response
                    pending = Pending()
                    timer.sent()
                    if item is _END:
                        return
                    if isinstance(item, Failure):
                        raise item.error
                    self.filter = item.filter
                    yield pb.StreamLogsResponse(filter_applied=item.spec)
            for response in self._responses(pending):
                timer.sent()
                yield response
                await turn.end()  # a backlog of many messages is not all built in one turn
            # What was sent is not held while the next wait lasts (a quiet follow after a burst).
            first = item = response = kept = None
            items, pending = [], Pending()
            if self.query.pod and not self.readers and queue.empty():
                return  # every followed container of the pod is gone

    def _responses(self, pending: Pending) -> Iterator[Response]:
        """The messages for what was taken off the queue (nothing while paused, see _hold_chunks):
        chunks packed up to MAX_MESSAGE_BYTES a message, or in the entry views their lines' encoded
        entries, at most MAX_BATCH a message."""
        chunks = self._hold_chunks(pending.chunks)
        if not (chunks or pending.joined or pending.left or pending.lost or self.dropped and not self.paused):
            return
        request_id = context.current().request_id
        lost = [pb.LogUpstreamError(container=item.key, status=status_message(item.error, request_id))
                for item in pending.lost]
        joined, left = pending.joined, pending.left
        batches: list[Any] = _packed(chunks) if self.query.in_chunks else _entry_batches(chunks)
        for batch in batches or [[]]:
            response = pb.StreamLogsResponse(joined=joined, left=left, errors=lost)
            if not self.paused:
                response.dropped, self.dropped = self.dropped, 0
            joined, left, lost = [], [], []
            if not batch:
                yield response
            elif type(batch[0]) is Chunk:
                yield encoded_with_chunks(response, batch)
            else:  # entries (field 1) first, as protobuf writes a message's fields in number order
                yield b"".join(batch) + response.SerializeToString()

    def _hold_chunks(self, chunks: list[Chunk]) -> list[Chunk]:
        """The pause buffer: chunks held while paused, the oldest dropped (and their lines
        counted) past PAUSE_BUFFER lines; what is held goes out first on resume. Chunks of merged
        containers are put in time order (each chunk is in order already)."""
        if self.paused:
            self.held_chunks.extend(chunks)
            self.held_lines += sum(chunk.lines for chunk in chunks)
            while self.held_lines > PAUSE_BUFFER and len(self.held_chunks) > 1:
                oldest = self.held_chunks.pop(0)
                self.held_lines -= oldest.lines
                self.dropped += oldest.lines
            return []
        if self.held_chunks:
            chunks = [*self.held_chunks, *chunks]
            self.held_chunks.clear()
            self.held_lines = 0
        if len(chunks) > 1 and chunks[0].first_ns:
            chunks.sort(key=_first_ns)
        return chunks

    async def close(self) -> None:
        tasks = [*self.readers.values(), *self.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.readers.clear()
        await self.streams.close()


def _first_ns(chunk: Chunk) -> int:
    return chunk.first_ns


def _entry_batches(chunks: list[Chunk]) -> list[list[bytes]]:
    """The chunks' encoded entries in messages of at most MAX_BATCH entries and MAX_MESSAGE_BYTES
    (a larger entry goes alone): 500 long lines made messages past the 4 MiB a gRPC client
    accepts by default. The cuts are found on the running total of sizes, without a Python step
    per entry."""
    entries = list(itertools.chain.from_iterable(chunk.encoded or () for chunk in chunks))
    ends = list(itertools.accumulate(map(len, entries)))
    batches, start = [], 0
    while start < len(entries):
        limit = (ends[start - 1] if start else 0) + MAX_MESSAGE_BYTES
        stop = max(start + 1, min(start + MAX_BATCH, bisect.bisect_right(ends, limit, start)))
        batches.append(entries[start:stop])
        start = stop
    return batches


def _packed(chunks: list[Chunk]) -> list[list[Chunk]]:
    """Chunks grouped into messages of at most MAX_MESSAGE_BYTES (a larger chunk goes alone)."""
    batches: list[list[Chunk]] = []
    size = MAX_MESSAGE_BYTES
    for chunk in chunks:
        if size + len(chunk.data) > MAX_MESSAGE_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(chunk)
        size += len(chunk.data)
    return batches
