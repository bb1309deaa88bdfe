"""Between the containers domain and the contract: request messages unpacked into domain values,
domain values turned into response messages. The only containers module besides the log and exec
streams (which build their messages on the hot path, see docs/containers.md) that knows
containers.proto's messages.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, AsyncIterator, Iterable, TypeVar

from google.protobuf import json_format, struct_pb2
from google.protobuf.message import Message

from kubecommit.v1 import containers_pb2 as pb
from server.containers import files, interactive
from server.containers.exec import ExecResult
from server.containers.exports import ExportChunk
from server.containers.policy import ExecPolicy
from server.containers.records import ExecSession, LogExport
from server.containers.inventory import ContainerInfo
from server.containers.logs.chunks import Chunk
from server.containers.logs.lines import Entry
from server.containers.logs.queries import LineFilter, Query
from server.containers.logs.reads import EntryPage
from server.errors import InvalidArgument

M = TypeVar("M", bound=Message)

# -- in ---------------------------------------------------------------------------------------


def parse_filter(spec: pb.LogFilter, prefix: str) -> LineFilter:
    return LineFilter.build(list(spec.levels), spec.contains, spec.pattern, spec.exclude_pattern, spec.ignore_case,
                            prefix)


def parse_query(query: pb.LogQuery, prefix: str = "query") -> Query:
    """A LogQuery, validated; its fingerprint (page tokens are bound to it) is the message's hash."""
    return Query.build(parent=query.parent, pod=query.pod, container=query.container, selector=query.label_selector,
                       tail_lines=query.tail_lines, since=query.since, until=query.until, previous=query.previous,
                       filter=parse_filter(query.filter, f"{prefix}.filter"), view=query.view, chunked=query.chunked,
                       fingerprint=hashlib.sha256(query.SerializeToString(deterministic=True)).hexdigest()[:16],
                       prefix=prefix)


async def upload_target(requests: AsyncIterator[pb.UploadFileRequest]) -> files.UploadTarget:
    """The first message of UploadFile, which must be the target."""
    target = (await first_message(requests, "frame", "target", "target")).target
    return files.UploadTarget(target.container, target.path, target.mode, target.overwrite, target.tar)


async def upload_data(requests: AsyncIterator[pb.UploadFileRequest]) -> AsyncIterator[bytes]:
    """The bytes of the later UploadFile messages; a second target is refused."""
    async for request in requests:
        if request.WhichOneof("frame") != "data":
            raise InvalidArgument.field("target", "only the first message carries the target")
        yield request.data


def query_record(query: pb.LogQuery) -> dict[str, Any]:
    """The query as asked, kept in the export's record (the contract's JSON mapping)."""
    return json_format.MessageToDict(query)


def policy_update(request: pb.UpdateExecPolicyRequest) -> tuple[ExecPolicy, list[str]]:
    """The policy's new values and the fields to set (empty: every mutable one)."""
    p = request.policy
    return ExecPolicy(name=p.name, allow=list(p.allow), deny=list(p.deny), allow_interactive=p.allow_interactive,
                      etag=p.etag), list(request.update_mask.paths)


def timeout_seconds(request: pb.ExecRequest) -> float | None:
    return request.timeout.ToTimedelta().total_seconds() if request.HasField("timeout") else None


async def first_message(requests: AsyncIterator[M], oneof: str, field: str, what: str) -> M:
    """The first client message of a stream, which must set `field` of its oneof."""
    try:
        first = await anext(requests)
    except StopAsyncIteration:
        raise InvalidArgument.field(field, f"the stream ended before the {what}") from None
    if first.WhichOneof(oneof) != field:
        raise InvalidArgument.field(field, f"the first message must carry the {what}")
    return first


async def log_query(requests: AsyncIterator[pb.StreamLogsRequest]) -> Query:
    """The query of StreamLogs, its first message."""
    return parse_query((await first_message(requests, "control", "query", "query")).query)


async def exec_start(requests: AsyncIterator[pb.ExecStreamRequest]) -> interactive.Start:
    """The first message of ExecStream, which must be the start frame."""
    start = (await first_message(requests, "frame", "start", "start frame")).start
    return interactive.Start(start.container, list(start.command), start.tty, start.stdin, start.size.width,
                             start.size.height)


async def exec_frames(requests: AsyncIterator[pb.ExecStreamRequest]) -> AsyncIterator[interactive.Frame]:
    """The later client messages of ExecStream as frames; a second start frame is refused."""
    async for request in requests:
        frame = request.WhichOneof("frame")
        if frame == "stdin":
            yield interactive.Stdin(request.stdin)
        elif frame == "resize":
            yield interactive.Resize(request.resize.width, request.resize.height)
        elif frame == "close_stdin":
            yield interactive.CloseStdin()
        elif frame == "start":
            raise InvalidArgument.field("start", "a session has one start frame")


# -- out --------------------------------------------------------------------------------------

def add_entries(target: Any, entries: Iterable[Entry]) -> None:
    """Appends entries to a `repeated LogEntry` field: one `add()` with keywords per entry, the time
    set in place, `message`/`fields` only when present (each extra field set costs ~0.1 µs)."""
    add = target.add
    for e in entries:
        if e.message or e.fields:
            entry = add(pod=e.pod, container=e.container, level=e.level, raw=e.raw, message=e.message)
            if e.fields:
                _fill_struct(entry.fields, e.fields)
        else:
            entry = add(pod=e.pod, container=e.container, level=e.level, raw=e.raw)
        stamp = entry.time
        stamp.seconds, stamp.nanos = divmod(e.time_ns, 1_000_000_000)


def add_chunks(target: Any, chunks: Iterable[Chunk]) -> None:
    """Appends chunks to a `repeated LogChunk` field (one message per chunk, not per line; the
    per-line values of a `chunked` query are whole lists, copied by protobuf's C code)."""
    add = target.add
    for c in chunks:
        chunk = add(data=c.data)
        chunk.MergeFrom(_chunk_fields(c))


def _chunk_fields(c: Chunk) -> pb.LogChunk:
    """A chunk's message without its `data`."""
    chunk = pb.LogChunk(pod=c.pod, container=c.container, line_count=c.lines)
    if c.first_ns:
        chunk.first_time.seconds, chunk.first_time.nanos = divmod(c.first_ns, 1_000_000_000)
    if c.levels is not None:
        chunk.times.extend(c.times or ())
        chunk.levels.extend(c.levels)
        if c.messages is not None:
            chunk.messages.extend(c.messages)
    return chunk


# Wire-format keys (field number << 3 | 2, length-delimited) of StreamLogsResponse.chunks and
# LogChunk.data.
_CHUNKS_KEY = bytes([pb.StreamLogsResponse.CHUNKS_FIELD_NUMBER << 3 | 2])
_DATA_KEY = bytes([pb.LogChunk.DATA_FIELD_NUMBER << 3 | 2])


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encoded_with_chunks(response: pb.StreamLogsResponse, chunks: Iterable[Chunk]) -> bytes:
    """`response` with `chunks` added, encoded, for StreamLogs' serializer to pass through (see
    services/containers.py). A message's encoding is the concatenation of its fields' encodings,
    in any order, so each chunk's small fields are encoded by protobuf and its `data` framed here:
    the lines are copied once, by the final join. Filling a message with them and serializing it
    copied them three more times, into growing buffers: 15–20 ms per 14 MB of log, against
    ~1.5 ms for the join (docs/containers.md)."""
    parts = [response.SerializeToString()]
    for c in chunks:
        fields = _chunk_fields(c).SerializeToString()
        size = _varint(len(c.data))
        parts += (_CHUNKS_KEY, _varint(len(fields) + len(_DATA_KEY) + len(size) + len(c.data)), fields, _DATA_KEY,
                  size, c.data)
    return b"".join(parts)


def _fill_struct(target: struct_pb2.Struct, values: dict[str, Any]) -> None:
    try:
        target.update(values)
    except (ValueError, TypeError):  # numbers out of range, nested odd types: keep them as text
        target.update({k: v if isinstance(v, (str, bool)) or v is None else json.dumps(v) for k, v in values.items()})


def log_entries_page(page: EntryPage) -> pb.ListLogEntriesResponse:
    response = pb.ListLogEntriesResponse(has_more=page.has_more, next_page_token=page.next_page_token)
    add_entries(response.entries, page.entries)
    add_chunks(response.chunks, page.chunks)
    return response


def container_message(info: ContainerInfo) -> pb.Container:
    message = pb.Container(
        name=str(info.ref), pod=info.ref.pod, container=info.ref.container, image=info.image, state=info.state,
        state_code=pb.ContainerState.Value(f"CONTAINER_STATE_{info.state.upper()}"), reason=info.reason, ready=info.ready, restart_count=info.restart_count, init_container=info.init_container,
        node=info.node, pod_labels=info.pod_labels)
    if info.start_time:
        message.start_time.FromJsonString(info.start_time)
    return message


def containers_page(containers: Iterable[ContainerInfo], next_page_token: str) -> pb.ListContainersResponse:
    return pb.ListContainersResponse(containers=[container_message(c) for c in containers],
                                     next_page_token=next_page_token)


def heartbeat(message: M) -> M:
    """`message` carrying only `heartbeat_time` (now): keeps an idle stream open through proxies."""
    message.heartbeat_time.GetCurrentTime()  # type: ignore[attr-defined]
    return message


def exec_event(event: interactive.Event) -> pb.ExecStreamResponse:
    if isinstance(event, interactive.Output):
        return pb.ExecStreamResponse(stderr=event.data) if event.stderr else pb.ExecStreamResponse(stdout=event.data)
    if isinstance(event, interactive.Started):
        return pb.ExecStreamResponse(session=event.session)
    if isinstance(event, interactive.Heartbeat):
        return heartbeat(pb.ExecStreamResponse())
    exit_frame = pb.ExecExit(exit_code=event.exit_code, error=event.error, session=event.session)
    exit_frame.duration.FromNanoseconds(event.duration_ns)
    return pb.ExecStreamResponse(exit=exit_frame)


def file_info(info: files.FileInfo) -> pb.FileInfo:
    message = pb.FileInfo(path=info.path, name=info.name, type=info.type, size_bytes=info.size_bytes, mode=info.mode)
    if info.modify_time is not None:
        message.modify_time.FromSeconds(info.modify_time)
    return message


def listing(found: files.Listing) -> pb.ListFilesResponse:
    return pb.ListFilesResponse(files=[file_info(f) for f in found.files], truncated=found.truncated)


def download_chunk(chunk: files.Chunk) -> pb.DownloadFileResponse:
    response = pb.DownloadFileResponse(data=chunk.data, tar=chunk.tar)
    if chunk.info is not None:
        response.info.CopyFrom(file_info(chunk.info))
    return response


def uploaded(result: files.Uploaded) -> pb.UploadFileResponse:
    return pb.UploadFileResponse(file=file_info(result.file), bytes_written=result.bytes_written)


def exec_response(result: ExecResult) -> pb.ExecResponse:
    response = pb.ExecResponse(stdout=result.stdout, stderr=result.stderr, exit_code=result.exit_code,
                               session=result.session, truncated=result.truncated)
    response.duration.FromNanoseconds(result.duration_ns)
    return response


def exec_session(session: ExecSession) -> pb.ExecSession:
    message = pb.ExecSession(name=session.name, caller=session.caller, container=session.container,
                             command=session.command, interactive=session.interactive, tty=session.tty,
                             stdout=session.stdout, stderr=session.stderr, transcript=session.transcript,
                             truncated=session.truncated, error=session.error)
    message.start_time.FromNanoseconds(session.start_ns)
    if session.end_ns:
        message.end_time.FromNanoseconds(session.end_ns)
    if session.exit_code is not None:
        message.exit_code = session.exit_code
    return message


def exec_sessions_page(sessions: Iterable[ExecSession], next_page_token: str) -> pb.ListExecSessionsResponse:
    return pb.ListExecSessionsResponse(sessions=[exec_session(s) for s in sessions], next_page_token=next_page_token)


def log_export(export: LogExport) -> pb.LogExport:
    message = pb.LogExport(name=export.name, caller=export.caller, format=export.format,  # type: ignore[arg-type]
                           size_bytes=export.size_bytes, entry_count=export.entry_count,
                           query=json_format.ParseDict(export.query, pb.LogQuery()))
    message.create_time.FromNanoseconds(export.create_ns)
    return message


def log_exports_page(exports: Iterable[LogExport], next_page_token: str) -> pb.ListLogExportsResponse:
    return pb.ListLogExportsResponse(exports=[log_export(e) for e in exports], next_page_token=next_page_token)


def export_chunk(chunk: ExportChunk) -> pb.ExportLogsResponse:
    response = pb.ExportLogsResponse(data=chunk.data)
    if chunk.export is not None:
        response.export.CopyFrom(log_export(chunk.export))
    return response


def exec_policy(policy: ExecPolicy) -> pb.ExecPolicy:
    message = pb.ExecPolicy(name=policy.name, allow=policy.allow, deny=policy.deny,
                            allow_interactive=policy.allow_interactive, etag=policy.etag,
                            updated_by=policy.updated_by)
    if policy.update_time is not None:
        message.update_time.FromDatetime(policy.update_time)
    return message


# -- records written before they were JSON (serialized protobuf), read once to rewrite them ---------

def legacy_session(data: bytes) -> ExecSession:
    m = pb.ExecSession.FromString(data)
    return ExecSession(name=m.name, caller=m.caller, container=m.container, command=list(m.command),
                       interactive=m.interactive, tty=m.tty, start_ns=m.start_time.ToNanoseconds(),
                       end_ns=m.end_time.ToNanoseconds() if m.HasField("end_time") else 0,
                       exit_code=m.exit_code if m.HasField("exit_code") else None, stdout=m.stdout, stderr=m.stderr,
                       transcript=m.transcript, truncated=m.truncated, error=m.error)


def legacy_export(data: bytes) -> LogExport:
    m = pb.LogExport.FromString(data)
    return LogExport(name=m.name, caller=m.caller, create_ns=m.create_time.ToNanoseconds(),
                     query=query_record(m.query), format=m.format, size_bytes=m.size_bytes,
                     entry_count=m.entry_count)
