"""Between the containers domain and the contract: request messages unpacked into domain values,
domain values turned into response messages. The only containers module besides the log and exec
streams (which build their messages on the hot path, see docs/containers.md) that knows
containers.proto's messages.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from itertools import repeat
from operator import add, floordiv, mod, mul
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
from server.containers.logs.chunks import Chunk, Parsed
from server.containers.logs.queries import LineFilter, Query
from server.containers.logs.reads import EntryPage
from server.errors import InvalidArgument

M = TypeVar("M", bound=Message)
_DOUBLE = struct.Struct("<d").pack

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


# -- entries encoded by hand -------------------------------------------------------------------
# The entry views' lines go out as `LogEntry` wire bytes built here, in the reader, for the sender to
# join (see encoded_entries): building one `LogEntry` per line in upb (an `add()` with its fields,
# the time and `Struct` set in place) cost ~3.4 µs a line, and the message was then serialized. Fields are written in field-number order, as
# protobuf writes them, so an entry without `fields` is byte for byte what protobuf makes
# (tests/containers/test_encoding.py).

# Varints of 0..16383 (one or two bytes), and the low 14 bits of a larger value as two bytes with
# their continuation bits set: a varint below 2**28 is two lookups.
_VARINT = [bytes([n]) if n < 0x80 else bytes([n & 0x7F | 0x80, n >> 7]) for n in range(1 << 14)]
_LOW14 = [bytes([n & 0x7F | 0x80, n >> 7 | 0x80]) for n in range(1 << 14)]
_ENTRY_KEY = bytes([pb.StreamLogsResponse.ENTRIES_FIELD_NUMBER << 3 | 2])
_LEVEL_FIELD = [b""] + [bytes([pb.LogEntry.LEVEL_FIELD_NUMBER << 3, level]) for level in range(1, 6)]
_TIME_KEY = bytes([pb.LogEntry.TIME_FIELD_NUMBER << 3 | 2])
_MESSAGE_KEY = bytes([pb.LogEntry.MESSAGE_FIELD_NUMBER << 3 | 2])
_RAW_KEY = bytes([pb.LogEntry.RAW_FIELD_NUMBER << 3 | 2])
_FIELDS_KEY = bytes([pb.LogEntry.FIELDS_FIELD_NUMBER << 3 | 2])
_NANOS_KEY = b"\x10"  # Timestamp.nanos, a varint
_NO_NANOS = {b"\x00": b""}  # nanos 0 is not written
# LogEntry.time's bytes before the nanos' varint, by second * 8 + the length of that varint.
_TIME_HEADS: dict[int, bytes] = {}
_ONE_VARINT = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")


def _varint(value: int) -> bytes:
    if value < 1 << 14:
        return _VARINT[value]
    if value < 1 << 28:
        return _LOW14[value & 0x3FFF] + _VARINT[value >> 14]
    return _LOW14[value & 0x3FFF] + _LOW14[value >> 14 & 0x3FFF] + _varint(value >> 28)


def _delimited(key: bytes, data: bytes) -> bytes:
    return key + _varint(len(data)) + data


def _encoded_texts(texts: list[str]) -> list[bytes]:
    """Each text UTF-8 encoded: one encode and one split for all when none holds a newline."""
    parts = "\n".join(texts).encode().split(b"\n")
    return parts if len(parts) == len(texts) else [text.encode() for text in texts]


def _varints(values: list[int]) -> list[bytes]:
    """Each value's varint: protobuf encodes them all as one packed repeated int64 (LogChunk.times),
    and one regular expression splits them (a varint ends at its first byte below 0x80; the first
    two matches are the field's key and length) — C loops where a Python call per value costs
    ~0.3 µs."""
    return _ONE_VARINT.findall(pb.LogChunk(times=values).SerializeToString())[2:]


def _framed(key: bytes, values: list[bytes]) -> list[bytes]:
    """Each value as a length-delimited field `key`, an empty one left out (proto3 writes no empty
    string); by `map`s, without a Python loop."""
    sizes = list(map(len, values))
    lengths = map(_VARINT.__getitem__, sizes) if max(sizes, default=0) < 1 << 14 else _varints(sizes)
    fields = list(map(b"".join, zip(repeat(key), lengths, values)))
    if 0 in sizes:
        empty = {key + b"\x00": b""}
        return list(map(empty.get, fields, fields))
    return fields


def _time_fields(times: list[int]) -> list[bytes]:
    """Each time (Unix ns) as LogEntry.time, a Timestamp field: its key and length, `seconds` and,
    when not 0, `nanos`. What precedes the nanos' varint depends only on the second and that
    varint's length, so it is looked up by `second * 8 + length` (a chunk's lines share a few
    seconds)."""
    nanos = list(map(mod, times, repeat(1_000_000_000)))
    varints = _varints(nanos)
    if 0 in nanos:
        varints = list(map(_NO_NANOS.get, varints, varints))
    keys = list(map(add, map(mul, map(floordiv, times, repeat(1_000_000_000)), repeat(8)), map(len, varints)))
    heads = _TIME_HEADS
    for key in set(keys).difference(heads):
        if len(heads) > 4096:
            heads.clear()
        second, size = divmod(key, 8)
        field = b"\x08" + _varint(second & (1 << 64) - 1)  # int64: two's complement
        heads[key] = _TIME_KEY + _varint(len(field) + (size and size + 1)) + field + (_NANOS_KEY if size else b"")
    return list(map(add, map(heads.__getitem__, keys), varints))


def encoded_entries(parsed: Parsed) -> list[bytes]:
    """Each line of a parsed chunk as the `entries` field of a StreamLogsResponse or
    ListLogEntriesResponse (both number it 1): key, length, and the `LogEntry` — what protobuf builds
    from these values, written straight as bytes by `map`s over the chunk's lists (~0.7 µs a line, and ~2 µs
    more a JSON line for its `fields`, against ~3.4 µs a line for upb's messages and their
    serialization; docs/containers.md)."""
    chunk = parsed.chunk
    raws = _framed(_RAW_KEY, parsed.raws if parsed.raws is not None else _encoded_texts(parsed.texts))
    messages = _framed(_MESSAGE_KEY, _encoded_texts(chunk.messages)) if chunk.messages is not None else \
        repeat(b"")
    structs = [b""] * len(raws)
    for row, values in parsed.objects.items():
        structs[row] = _delimited(_FIELDS_KEY, _struct(values))
    head = _delimited(b"\x0a", chunk.pod.encode()) + _delimited(b"\x12", chunk.container.encode())
    entries = list(map(b"".join, zip(repeat(head), _time_fields(chunk.times or []),
                                     map(_LEVEL_FIELD.__getitem__, chunk.levels or ()), messages, raws, structs)))
    return _framed(_ENTRY_KEY, entries)


def _struct(values: dict[str, Any]) -> bytes:
    """A JSON object as `google.protobuf.Struct` bytes, as `_fill_struct` makes it (a value protobuf
    refuses, such as a number beyond a double's range, sends that path's text form instead)."""
    try:
        return _struct_fields(values)
    except (ValueError, TypeError, OverflowError, struct.error):
        message = struct_pb2.Struct()
        _fill_struct(message, values)
        return message.SerializeToString()


# A Struct's map entries (key and value, framed) by (key, value) for text values: JSON lines of one
# program repeat most of theirs (`"level":"info"`). Numbers vary from line to line (a duration, a
# count): their entries are the bytes before the double, by key, and the double.
_TEXT_ENTRIES: dict[tuple[str, str], bytes] = {}
_NUMBER_HEADS: dict[str, bytes] = {}


def _struct_fields(values: dict[str, Any]) -> bytes:
    parts = []
    append, texts, numbers = parts.append, _TEXT_ENTRIES.get, _NUMBER_HEADS.get
    for pair in values.items():
        kind = type(pair[1])
        if kind is str:
            item = texts(pair)
            if item is None:
                item = _TEXT_ENTRIES[pair] = _map_entry(pair[0], _delimited(b"\x1a", pair[1].encode()))
                if len(_TEXT_ENTRIES) > 4096:
                    _TEXT_ENTRIES.clear()
        elif kind is int or kind is float:
            head = numbers(pair[0])
            if head is None:
                head = _NUMBER_HEADS[pair[0]] = _map_entry(pair[0], b"\x11" + _DOUBLE(0.0))[:-8]
                if len(_NUMBER_HEADS) > 4096:
                    _NUMBER_HEADS.clear()
            item = head + _DOUBLE(pair[1])
        else:
            item = _map_entry(pair[0], _value(pair[1]))
        append(item)
    return b"".join(parts)


def _map_entry(key: str, value: bytes) -> bytes:
    """A Struct `fields` map entry: its key and the encoded `Value`, framed."""
    entry = _delimited(b"\x0a", key.encode()) + _delimited(b"\x12", value)
    return b"\x0a" + _varint(len(entry)) + entry


def _value(value: Any) -> bytes:
    """A `google.protobuf.Value` of a JSON value (its oneof field is written even when it is a default)."""
    if type(value) is str:
        return _delimited(b"\x1a", value.encode())
    if value is True or value is False:
        return b"\x20\x01" if value else b"\x20\x00"
    if value is None:
        return b"\x08\x00"
    if type(value) is int or type(value) is float:
        return b"\x11" + _DOUBLE(float(value))
    if type(value) is dict:
        return _delimited(b"\x2a", _struct_fields(value))
    if type(value) is list:
        return _delimited(b"\x32", b"".join([_delimited(b"\x0a", _value(item)) for item in value]))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _fill_struct(target: struct_pb2.Struct, values: dict[str, Any]) -> None:
    try:
        target.update(values)
    except (ValueError, TypeError, OverflowError):  # numbers out of range, nested odd types: keep them as text
        target.update({k: v if isinstance(v, (str, bool)) or v is None else json.dumps(v) for k, v in values.items()})


def log_entries_page(page: EntryPage) -> pb.ListLogEntriesResponse:
    """A page as its message; its entries are encoded by hand and parsed by protobuf in one call
    (cheaper than building a message per entry in Python)."""
    response = pb.ListLogEntriesResponse.FromString(b"".join([entry for parsed in page.parsed
                                                              for entry in encoded_entries(parsed)]))
    response.has_more, response.next_page_token = page.has_more, page.next_page_token
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
