"""Entries of the entry views (FULL, what an unset view means, and BASIC) are written as wire bytes
by hand (convert.encoded_entries) from whole parsed chunks: the bytes must be the messages protobuf
builds, and the values those of the per-line parser, for every kind of line."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kubecommit.v1 import containers_pb2 as pb
from kubesim import Simulator
from kubesim.testing import wait_for
from server.containers.convert import _fill_struct, encoded_entries
from server.containers.logs.chunks import Chunk, Parsed, parse_chunk
from server.containers.logs.lines import BASIC, FULL, UNSPECIFIED, Entry, _json_object, _short_numbers_object, decode_lines, detect_level, \
    format_time, \
    levels_of, parse_lines
from server.containers.streams import MAX_BATCH, MAX_MESSAGE_BYTES, _entry_batches
from tests.containers.conftest import WEB, container_name
from tests.containers.test_streams import Follow

TEXTS = [
    "2026-01-01 10:00:00,001 INFO  [app] caf\u00e9 \u2713 \U0001f600 unicode",
    "crlf ended ERROR\r",
    "L" * 20_000 + " WARN past the level window",  # a 3-byte length, no level (the word is past 300)
    " " * 290 + "WARNING ends at 297",
    "",  # an empty line
    "WRR and CRR and PNFO are no level words",
    '{"level":"error","msg":"boom","n":1,"f":1.5,"t":true,"z":null,"o":{"k":[1,"x",{"y":false}]},"e":{}}',
    '{"msg":"two\\nlines","level":30}',  # a message with a newline, a pino number
    '{"message":{"nested":1},"big":' + "9" * 400 + "}",  # a number beyond a double: text in `fields`
    "{}",  # an empty object: no `fields`
    "{not json} level=debug",
    "E0102 15:04:05.123456 klog line",
    "XINFO level=warn logfmt",
]
STAMPS = ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000000001Z", "2026-01-01T00:00:00.5Z",
          "1969-12-31T23:59:59.25Z", "2026-01-01T00:00:01.123456789Z"]


def upstream(texts: list[str]) -> bytes:
    """`texts` as `timestamps=true` sends them (stamps before 1970 and with zero nanos included)."""
    return "".join(f"{STAMPS[i % len(STAMPS)]} {text}\n" for i, text in enumerate(texts)).encode()


# A chunk of valid UTF-8 without `\r` takes parse_chunk's common path (its lines' own bytes are the
# raws); one with a CRLF line, or with bytes that are not UTF-8, the path that decodes line by line.
FORMS = {
    "plain": upstream([text for text in TEXTS if "\r" not in text]),
    "crlf": upstream(TEXTS),
    "invalid utf-8": upstream(TEXTS[:2]) + b"2026-01-01T00:00:00Z bad \xff\xfe bytes ERROR\n" + upstream(TEXTS[2:]),
}


def add_entries(target: Any, entries: list[Entry]) -> None:
    """The entries as protobuf itself builds them, field by field (how the server built them before
    it wrote their bytes)."""
    for e in entries:
        entry = target.add(pod=e.pod, container=e.container, level=e.level, raw=e.raw, message=e.message)
        if e.fields:
            _fill_struct(entry.fields, e.fields)
        entry.time.seconds, entry.time.nanos = divmod(e.time_ns, 1_000_000_000)


def protobufs(parsed: Parsed) -> list[pb.LogEntry]:
    """The entries protobuf builds (add_entries) from a parsed chunk's values."""
    chunk, response = parsed.chunk, pb.StreamLogsResponse()
    messages = chunk.messages or [""] * chunk.lines
    add_entries(response.entries, [
        Entry(chunk.pod, chunk.container, time_ns, level, text, message, parsed.objects.get(row))
        for row, (time_ns, level, text, message) in enumerate(zip(chunk.times or (), chunk.levels or (),
                                                                  parsed.texts, messages))])
    return list(response.entries)


@pytest.mark.parametrize("view", [BASIC, FULL])
@pytest.mark.parametrize("final_newline", [True, False])
@pytest.mark.parametrize("form", FORMS)
def test_encoded_entries_are_the_bytes_protobuf_writes(view: int, final_newline: bool, form: str) -> None:
    """Byte for byte for every entry without `fields` (unicode, a 20,000-character line, CRLF, an
    empty line, zero nanos, a time before 1970, a last line without newline, bytes that are not
    UTF-8); an entry with `fields` parses to protobuf's own (a Struct's map entries have no fixed
    order on the wire)."""
    data = FORMS[form] + (b"" if final_newline else b"2026-01-01T00:00:02Z no newline at the end")
    parsed = parse_chunk("pod-\u00e9", "app", data, view, None)
    assert parsed is not None
    assert (parsed.raws is not None) == (form == "plain")
    encoded, expected = encoded_entries(parsed), protobufs(parsed)
    assert len(encoded) == len(expected) == parsed.chunk.lines == data.count(b"\n") + (not final_newline)
    for entry, message in zip(encoded, expected):
        if message.HasField("fields"):
            assert pb.StreamLogsResponse.FromString(entry).entries[0] == message
        else:
            assert entry == pb.StreamLogsResponse(entries=[message]).SerializeToString()
    # The same bytes are a ListLogEntriesResponse's entries (both number them 1).
    assert list(pb.ListLogEntriesResponse.FromString(b"".join(encoded)).entries) == expected
    if view == FULL:
        big = [e for e in expected if "big" in e.fields.fields][0]
        assert big.fields.fields["big"].string_value == "9" * 400 and big.message == "{'nested': 1}"
        assert not [e for e in expected if e.raw == "{}"][0].HasField("fields")
        assert [e.message for e in expected if e.raw.startswith('{"msg"')] == ["two\nlines"]


@pytest.mark.parametrize("view", [BASIC, FULL])
@pytest.mark.parametrize("form", FORMS)
def test_parsed_chunks_give_the_values_of_the_per_line_parser(view: int, form: str) -> None:
    """What the entries are made of, read for a whole chunk, equals the per-line parser's values (a
    line without a stamp gets the time of its reading, so times are compared for the others)."""
    data = FORMS[form] + b"a line without a stamp INFO\n"
    parsed = parse_chunk("p", "c", data, view, None)
    assert parsed is not None
    ours = protobufs(parsed)
    reference = pb.StreamLogsResponse()
    add_entries(reference.entries, parse_lines("p", "c", decode_lines(data[:-1]), view))
    assert len(ours) == len(reference.entries) == data.count(b"\n")
    for mine, theirs in zip(ours[:-1], reference.entries[:-1]):
        assert mine == theirs
    assert (ours[-1].raw, ours[-1].level) == (reference.entries[-1].raw, reference.entries[-1].level)


def test_levels_of_a_chunk_are_those_of_each_line() -> None:
    """levels_of finds the common case for all lines with one regular expression: it must agree with
    detect_level line by line, and words that only look like levels (`WRR`, which made the lookup of
    its level raise) have none."""
    lines = TEXTS + ["INFO first", "x=1 ERROR after a key", "MY_ERROR and XWARN only", "\u00e9INFO glued",
                     "level=warn but ERROR", "  " * 150 + "ERROR past the window", "[WARN] bracketed",
                     '{"severity":"FATAL"} trailing', "D0102 15:04:05 klog debug", "CRR", "TRACE"]
    assert levels_of(lines) == [detect_level(line) for line in lines]
    assert detect_level("WRR scheduling") == detect_level("CRR") == detect_level("PNFO") == UNSPECIFIED


def test_stream_and_list_send_the_entries_of_the_per_line_parser(stub, sim: Simulator) -> None:
    """Through the API: StreamLogs (view unset, i.e. FULL) and ListLogEntries send, for the lines
    above, the entries the per-line parser makes of the lines the cluster sends."""
    pod = container_name(stub).split("/")[5]
    query = pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=0)
    follow = Follow(stub, query)
    try:
        wait_for(follow.joined)
        tag = f"encoding-{id(follow)}"
        texts = [f"{tag} {text}" if not text.startswith("{") else text.replace("{", '{"tag":"%s",' % tag, 1)
                 .replace(",}", "}") for text in TEXTS if text]
        sim.append_log("web", pod, "frontend", texts)

        def followed() -> list[pb.LogEntry]:
            return [e for r in list(follow.responses) for e in r.entries if tag in e.raw]
        wait_for(lambda: len(followed()) == len(texts))
    finally:
        follow.cancel()
    listed = [e for e in stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(
        parent=WEB, pod=pod, container="frontend", tail_lines=len(texts) + 20))).entries if tag in e.raw]
    sent = followed()
    assert [e.raw for e in sent] == [text.rstrip("\r") for text in texts] and listed == sent
    reference = pb.StreamLogsResponse()
    add_entries(reference.entries, parse_lines(pod, "frontend", [f"{format_time(e.time.ToNanoseconds())} {e.raw}"
                                                                 for e in sent], FULL))
    assert sent == list(reference.entries)


def test_entry_messages_are_bounded_in_entries_and_bytes() -> None:
    """The sender cuts entries into messages of at most MAX_BATCH entries and MAX_MESSAGE_BYTES
    (an entry larger than that alone), in order: counting entries only, 500 lines of 10 KB made a
    5 MB message, past the 4 MiB a gRPC client accepts by default."""
    sizes = [10, 10_000, 300_000, 2_000_000, 10, 10_000] * 120
    entries = [bytes([i % 256]) * size for i, size in enumerate(sizes)]
    chunks = [Chunk("p", "c", b"", 0, encoded=entries[start:start + 97]) for start in range(0, len(entries), 97)]
    batches = _entry_batches(chunks)
    assert [entry for batch in batches for entry in batch] == entries
    for batch, after in zip(batches, batches[1:] + [[b""]]):
        assert len(batch) <= MAX_BATCH and (len(batch) == 1 or sum(map(len, batch)) <= MAX_MESSAGE_BYTES)
        assert len(batch) == MAX_BATCH or sum(map(len, batch)) + len(after[0]) > MAX_MESSAGE_BYTES or after == [b""]
    small = _entry_batches([Chunk("p", "c", b"", 0, encoded=[b"x" * 10] * 1_200)])
    assert [len(batch) for batch in small] == [MAX_BATCH, MAX_BATCH, 200]
    assert _entry_batches([]) == []


@pytest.mark.parametrize("line", [
    '{"nan":NaN,"inf":-Infinity,"huge":1e400}',  # what orjson refuses, json reads
    '{"i":123456789012345678901234567890,"small":-7}',  # beyond 64 bits: json keeps the int
    '{"lone":"\\ud800x","pair":"\\ud83d\\ude00"}',  # a lone surrogate escape (orjson refuses it)
    '{"a":1,"a":2}  ', '{"a":1} trailing', '{"a":[1,2', '[1,2]', '{"k":"caf\u00e9"}',
])
def test_json_lines_read_as_json_reads_them(line: str) -> None:
    """FULL's JSON objects are read by orjson, and by `json` where orjson refuses a line: either
    way, from the line's bytes (chunks) or its text (single lines), the value is `json.loads`'."""
    try:
        expected = json.loads(line)
    except ValueError:
        expected = None
    expected = expected if isinstance(expected, dict) else None
    assert repr(_json_object(line)) == repr(expected)
    if not re.search(r"\d{20}", line):  # what a chunk's lines are read with when it has no such run
        assert repr(_short_numbers_object(line.encode("utf-8", "surrogatepass"))) == repr(expected)
