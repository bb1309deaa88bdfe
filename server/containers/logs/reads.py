"""Log reads: the containers a query reads and their entries, merged in time order, filtered and
paged (ListLogEntries, ExportLogs)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import operator
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, TypeVar

from server.containers.logs.chunks import Chunk, Parsed, in_window, timed_chunk
from server.containers.logs.lines import BASIC, RAW, Entry
from server.containers.logs.pages import page_offset, page_size, page_token
from server.containers.logs.queries import Query, Target
from server.containers.targets import container_names, container_status, get_pod, has_started
from server.errors import FailedPrecondition, InvalidArgument
from server.kube import ClusterConnection, paths
from server.kube.streams import ClusterStreams

MAX_ENTRIES = 200_000
# Containers read at once by one query.
READ_CONCURRENCY = 16


def _pod_targets(query: Query, pod: dict[str, Any], explicit: bool) -> list[Target]:
    """Containers of one pod the query reads; with `explicit`, a named one that never ran is an error."""
    name = pod["metadata"]["name"]
    names = [query.container] if query.container else container_names(pod)
    targets = []
    for container in names:
        status = container_status(pod, container)
        started = int(status.get("restartCount") or 0) > 0 if query.previous else has_started(status)
        if started:
            targets.append(Target(name, container))
        elif explicit and query.container:
            what = "no previous instance" if query.previous else "not started yet"
            raise FailedPrecondition(f"container {container} of pod {name} has {what}, so no logs",
                                     "CONTAINER_NOT_STARTED", metadata={"pod": name, "container": container})
    return targets


def selected_targets(query: Query, pods: Iterable[dict[str, Any]]) -> list[Target]:
    """Containers of selector-matched pods that have logs now (pods missing the container are skipped)."""
    found = []
    for pod in pods:
        if query.container and query.container not in container_names(pod):
            continue
        found += _pod_targets(query, pod, explicit=False)
    return found


async def list_pods(conn: ClusterConnection, query: Query) -> dict[str, Any]:
    try:
        return await conn.request("GET", paths.pods(query.namespace),
                                  query={"labelSelector": query.selector})
    except InvalidArgument as error:
        raise InvalidArgument.field("query.label_selector", error.message, "INVALID_SELECTOR") from None


async def resolve(conn: ClusterConnection, query: Query) -> list[Target]:
    """The containers a query reads: one container, a pod's containers, or every selected pod's."""
    if query.pod:
        pod = await get_pod(conn, query.namespace, query.pod)
        targets = _pod_targets(query, pod, explicit=True)
        if not targets:
            raise FailedPrecondition(f"no container of pod {query.pod} has logs yet", "CONTAINER_NOT_STARTED")
        return targets
    return selected_targets(query, (await list_pods(conn, query)).get("items") or [])


T = TypeVar("T")


async def read_each(conn: ClusterConnection, query: Query, targets: list[Target],
                    shape: Callable[[Target, bytes], T | None]) -> list[T]:
    """Each target container's whole log (at most READ_CONCURRENCY read at once) made by `shape`
    into what the caller keeps; what it makes None is left out."""
    slots = asyncio.Semaphore(READ_CONCURRENCY)
    async with ClusterStreams(conn) as streams:
        async def one(target: Target) -> T | None:
            async with slots:
                data = await streams.read(query.log_path(target.pod), query.upstream(target, follow=False))
            return shape(target, data)
        read = await asyncio.gather(*(one(target) for target in targets))
    return [item for item in read if item is not None]


async def collect(conn: ClusterConnection, query: Query) -> list[Entry]:
    """Every entry the query selects (ExportLogs), in ListLogEntries' order: each container's log
    parsed as one chunk, filtered, merged across containers in time order, newest MAX_ENTRIES kept."""
    if query.view == RAW:  # ExportLogs renders entries whatever the view
        query = dataclasses.replace(query, view=BASIC)
    parsed, _, rows = await collect_parsed(conn, query)
    return [parsed[which].entry(index) for which, index in rows]


def _chunk(query: Query, ordered: bool, target: Target, data: bytes) -> Chunk | None:
    """One container's log as a chunk, filtered; with `ordered`, every line's time is read (lines
    of several containers are merged by it)."""
    if ordered and not query.chunked:
        window = query.time_window()
        chunk = timed_chunk(target.pod, target.container, data)
        chunk = in_window(chunk, window) if window is not None else chunk
    else:
        chunk = query.raw_chunk(target, data)
    return query.filter.select(chunk) if chunk is not None else None


def _parsed(query: Query, target: Target, data: bytes) -> Parsed | None:
    """One container's log parsed for an entry view (every line's time read), filtered."""
    parsed = query.parsed_chunk(target, data)
    return query.filter.select_parsed(parsed) if parsed is not None else None


# A line of a chunk read: (its chunk's index, its index in the chunk).
Row = tuple[int, int]


async def collect_rows(conn: ClusterConnection, query: Query) -> tuple[list[Chunk], list[list[bytes]], list[Row]]:
    """LOG_VIEW_RAW and `chunked` queries: each container's log read as one chunk (its bytes kept),
    filtered over the whole chunk, and its lines merged across containers in time order (only
    then is each line's time read). Returns the chunks, their lines and the rows, newest kept."""
    targets = await resolve(conn, query)
    return merged_rows(await read_each(conn, query, targets, partial(_chunk, query, len(targets) > 1)))


async def collect_parsed(conn: ClusterConnection, query: Query) -> tuple[list[Parsed], list[list[bytes]], list[Row]]:
    """The entry views' form of collect_rows: each container's log parsed as one chunk."""
    parsed = await read_each(conn, query, await resolve(conn, query), partial(_parsed, query))
    _, lines, rows = merged_rows([item.chunk for item in parsed])
    return parsed, lines, rows


def merged_rows(chunks: list[Chunk]) -> tuple[list[Chunk], list[list[bytes]], list[Row]]:
    """The chunks' lines, and their rows in time order across chunks (a chunk's own order when it
    is alone), newest MAX_ENTRIES kept."""
    lines = [chunk.split() for chunk in chunks]
    if len(chunks) == 1:
        rows: list[Row] = [(0, index) for index in range(len(lines[0]))]
    else:
        timed = sorted((time_ns, which, index) for which, chunk in enumerate(chunks)
                       for index, time_ns in enumerate(chunk.times or ()))
        rows = [(which, index) for _, which, index in timed]
    return chunks, lines, rows[-MAX_ENTRIES:]


# What a page is cut from: chunks (RAW, `chunked`) or parsed chunks (the entry views).
Lines = TypeVar("Lines", Chunk, Parsed)


def page_of(items: list[Lines], lines: list[list[bytes]], rows: list[Row]) -> list[Lines]:
    """The rows of a page as chunks: one per run of consecutive rows of the same container."""
    page = []
    for which, run in itertools.groupby(rows, key=operator.itemgetter(0)):
        kept = items[which].subset(lines[which], [index for _, index in run])
        if kept is not None:
            page.append(kept)
    return page


@dataclass
class EntryPage:
    """A page: in the entry views the parsed lines its entries are made of, else chunks."""

    parsed: list[Parsed]
    next_page_token: str
    has_more: bool
    chunks: list[Chunk] = dataclasses.field(default_factory=list)


async def list_entries(conn: ClusterConnection, query: Query, requested_size: int, token: str) -> EntryPage:
    """One page of the query's entries (or, in chunks, lines); the token says where the next starts."""
    size = page_size(requested_size)
    offset = page_offset(token, query)
    if query.in_chunks:
        chunks, lines, rows = await collect_rows(conn, query)
    else:
        parsed, lines, rows = await collect_parsed(conn, query)
    has_more = offset + size < len(rows)
    token = page_token(offset + size, query) if has_more else ""
    page = rows[offset:offset + size]
    if query.in_chunks:
        return EntryPage([], token, has_more, page_of(chunks, lines, page))
    return EntryPage(page_of(parsed, lines, page), token, has_more)
