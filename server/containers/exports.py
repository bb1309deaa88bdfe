"""ExportLogs: a query's entries as JSON, CSV or text, sent in chunks and recorded afterwards."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
import uuid
from typing import AsyncIterator, Callable

from kubecommit.v1 import containers_pb2 as pb
from server import context
from server.containers.logs.lines import Entry
from server.containers.logs.queries import Query
from server.containers.logs.reads import collect
from server.containers.records import Records
from server.errors import InvalidArgument
from server.kube import ClusterConnection

F = pb.ExportFormat
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
    F.EXPORT_FORMAT_JSON: ("[\n", "\n]\n", _json),
    F.EXPORT_FORMAT_CSV: ("", "", _csv),
    F.EXPORT_FORMAT_TEXT: ("", "", _text),
}


def validate_format(fmt: int) -> None:
    if fmt and fmt not in _RENDER:
        raise InvalidArgument.field("format", f"unknown export format {fmt}")


async def export_logs(conn: ClusterConnection, query: Query, source: pb.LogQuery, fmt: int, records: Records
                      ) -> AsyncIterator[pb.ExportLogsResponse]:
    """Chunks of the rendered file; the last message carries the export record (JSON by default)."""
    fmt = fmt or F.EXPORT_FORMAT_JSON
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
            yield pb.ExportLogsResponse(data=pending[:CHUNK])
            pending = pending[CHUNK:]
    pending += tail.encode()
    size += len(pending)
    record = pb.LogExport(name=f"logExports/{uuid.uuid4().hex[:20]}", caller=context.current().caller.name,
                          query=source, format=fmt, size_bytes=size, entry_count=len(entries))  # type: ignore[arg-type]
    record.create_time.FromNanoseconds(time.time_ns())
    await records.add_export(record)
    yield pb.ExportLogsResponse(data=pending, export=record)
