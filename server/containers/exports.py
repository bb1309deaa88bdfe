"""ExportLogs: a query's entries as JSON, CSV or text, sent in chunks and recorded afterwards."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
import uuid
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, AsyncIterator, Callable

from server import context
from server.containers.logs.lines import Entry
from server.containers.logs.queries import Query
from server.containers.logs.reads import collect
from server.containers.records import LogExport, Records
from server.errors import InvalidArgument
from server.kube import ClusterConnection



class ExportFormat(IntEnum):
    """The contract's ExportFormat numbers."""

    JSON = 1
    CSV = 2
    TEXT = 3


F = ExportFormat
CHUNK = 64 * 1024
# Entries rendered per step off the event loop.
RENDER_STEP = 5000


def _json(entries: list[Entry], first: bool) -> str:
    rows = []
    for e in entries:
        row = e.as_dict()
        if e.fields:
            row["fields"] = e.fields
        rows.append(json.dumps(row, ensure_ascii=False, default=str))
    return ("" if first else ",\n") + ",\n".join(rows)


def _csv(entries: list[Entry], first: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if first:
        writer.writerow(["time", "pod", "container", "level", "message"])
    for e in entries:
        d = e.as_dict()
        writer.writerow([d["time"], d["pod"], d["container"], d["level"], d["message"]])
    return out.getvalue()


def _text(entries: list[Entry], first: bool) -> str:
    return "".join(f"{d['time']} {d['pod']}/{d['container']} {d['raw']}\n" for d in map(Entry.as_dict, entries))


_RENDER: dict[int, tuple[str, str, Callable[[list[Entry], bool], str]]] = {
    F.JSON: ("[\n", "\n]\n", _json),
    F.CSV: ("", "", _csv),
    F.TEXT: ("", "", _text),
}


def validate_format(fmt: int) -> None:
    if fmt and fmt not in _RENDER:
        raise InvalidArgument.field("format", f"unknown export format {fmt}")


@dataclass(frozen=True)
class ExportChunk:
    """A piece of the rendered file; the last one carries the export's record."""

    data: bytes
    export: LogExport | None = None


async def export_logs(conn: ClusterConnection, query: Query, source: dict[str, Any], fmt: int, records: Records
                      ) -> AsyncIterator[ExportChunk]:
    """Chunks of the rendered file (JSON by default); `source` is the query as asked, for the record."""
    fmt = fmt or F.JSON
    head, tail, render = _RENDER[fmt]
    entries = await collect(conn, query)
    size = 0
    pending = head.encode()
    for start in range(0, max(len(entries), 1), RENDER_STEP):
        part = entries[start:start + RENDER_STEP]
        if part:
            pending += (await asyncio.to_thread(render, part, start == 0)).encode()
        while len(pending) >= CHUNK:
            size += CHUNK
            yield ExportChunk(pending[:CHUNK])
            pending = pending[CHUNK:]
    pending += tail.encode()
    size += len(pending)
    record = LogExport(name=f"logExports/{uuid.uuid4().hex[:20]}", caller=context.current().caller.name,
                       create_ns=time.time_ns(), query=source, format=fmt, size_bytes=size, entry_count=len(entries))
    await records.add_export(record)
    yield ExportChunk(pending, record)
