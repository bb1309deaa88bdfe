"""Log entries through the API: tail, filters, pagination, windows, selectors, exports, bad input."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid

import grpc
import pytest

from kubecommit.v1 import containers_pb2 as pb
from kubesim import Simulator
from kubesim.testing import wait_for
from server.containers.convert import add_chunks, encoded_with_chunks, parse_filter
from server.containers.logs.lines import Level, View, detect_level, parse_line, parse_time, split_lines
from server.containers.logs.chunks import Chunk, count_lines, parsed_chunk, read_chunk
from server.containers.logs.lines import BASIC, FULL, decode_lines, parse_lines
from server.containers.logs.queries import parse_when
from tests.containers.conftest import WEB, container_name
from tests.containers.test_streams import Follow, chunk_lines
from tests.support.status import details

L = pb.LogLevel


@pytest.fixture()
def pod(stub, sim: Simulator) -> str:
    """A frontend pod with a known, marked tail of mixed lines."""
    name = container_name(stub).split("/")[5]
    return name


def marked(sim: Simulator, pod: str) -> str:
    tag = uuid.uuid4().hex[:8]
    sim.append_log("web", pod, "frontend", [
        f"2026-01-01 10:00:00,001 INFO  [app] {tag} served request path=/a",
        f"2026-01-01 10:00:00,002 ERROR [app] {tag} upstream timeout",
        json.dumps({"level": "warn", "msg": f"{tag} slow request", "latency_ms": 900}),
        f"{tag} DEBUG cache lookup",
        f"{tag} plain line without level",
    ])
    return tag


def entries(stub, pod: str, tag: str, view: int = pb.LOG_VIEW_UNSPECIFIED, **filter_args: object
            ) -> list[pb.LogEntry]:
    query = pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=50, view=view,
                        filter=pb.LogFilter(**filter_args))
    found = stub.ListLogEntries(pb.ListLogEntriesRequest(query=query)).entries
    return [e for e in found if tag in e.raw]


def test_tail_levels_and_messages(stub, sim: Simulator, pod: str) -> None:
    tag = marked(sim, pod)
    got = entries(stub, pod, tag)
    assert [e.level for e in got] == [L.LOG_LEVEL_INFO, L.LOG_LEVEL_ERROR, L.LOG_LEVEL_WARN, L.LOG_LEVEL_DEBUG,
                                      L.LOG_LEVEL_UNSPECIFIED]
    assert got[1].message == f"ERROR [app] {tag} upstream timeout"  # the app's own timestamp stripped
    assert got[2].message == f"{tag} slow request" and got[2].fields["latency_ms"] == 900
    assert all(e.pod == pod and e.container == "frontend" and e.time.seconds > 0 for e in got)


def test_filters(stub, sim: Simulator, pod: str) -> None:
    tag = marked(sim, pod)
    assert [e.level for e in entries(stub, pod, tag, levels=[L.LOG_LEVEL_ERROR, L.LOG_LEVEL_WARN])] == \
        [L.LOG_LEVEL_ERROR, L.LOG_LEVEL_WARN]
    assert len(entries(stub, pod, tag, contains=f"{tag} UPSTREAM", ignore_case=True)) == 1
    assert len(entries(stub, pod, tag, contains=f"{tag} UPSTREAM")) == 0
    assert [e.message for e in entries(stub, pod, tag, pattern=r"slow|cache")] == [f"{tag} slow request",
                                                                                 f"{tag} DEBUG cache lookup"]
    assert len(entries(stub, pod, tag, exclude_pattern="request")) == 3


def test_invalid_regex_names_the_field(stub, pod: str) -> None:
    with pytest.raises(grpc.RpcError) as error:
        stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(
            parent=WEB, pod=pod, filter=pb.LogFilter(pattern="(unclosed"))))
    d = details(error.value)
    assert d.code == grpc.StatusCode.INVALID_ARGUMENT and "query.filter.pattern" in d.violations


def test_pagination_and_has_more(stub, sim: Simulator, pod: str) -> None:
    tag = uuid.uuid4().hex[:8]
    sim.append_log("web", pod, "frontend", [f"{tag} line {i}" for i in range(7)])
    query = pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=200, filter=pb.LogFilter(contains=tag))
    seen, token = [], ""
    while True:
        page = stub.ListLogEntries(pb.ListLogEntriesRequest(query=query, page_size=3, page_token=token))
        seen += [e.raw for e in page.entries]
        assert page.has_more == bool(page.next_page_token)
        if not page.has_more:
            break
        token = page.next_page_token
    assert seen == [f"{tag} line {i}" for i in range(7)]
    other = pb.LogQuery(parent=WEB, pod=pod, tail_lines=5)
    with pytest.raises(grpc.RpcError) as error:
        stub.ListLogEntries(pb.ListLogEntriesRequest(query=other, page_token=token or "eyJvIjogMywgInEiOiAieCJ9"))
    assert details(error.value).code == grpc.StatusCode.INVALID_ARGUMENT


def test_since_until_and_selector(stub, sim: Simulator, pod: str) -> None:
    tag = marked(sim, pod)
    recent = stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(
        parent=WEB, label_selector="app=frontend", container="frontend", since="1m",
        filter=pb.LogFilter(contains=tag)))).entries
    assert len(recent) == 5 and {e.pod for e in recent} == {pod}
    old = stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(
        parent=WEB, pod=pod, until="2000-01-01T00:00:00Z"))).entries
    assert list(old) == []
    nothing = stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(parent=WEB, label_selector="app=nope")))
    assert list(nothing.entries) == [] and not nothing.has_more


def test_binary_line_is_kept_readable(stub, sim: Simulator, pod: str) -> None:
    tag = uuid.uuid4().hex[:8]
    sim.append_log("web", pod, "frontend", [f"{tag} \x00\x01\x7f bytes \udcff".encode("utf-8", "surrogateescape")
                                            .decode("utf-8", "replace")])
    got = entries(stub, pod, tag)
    assert len(got) == 1 and "\x00\x01" in got[0].raw
    assert parse_line("p", "c", b"2026-01-01T00:00:00Z \xff\xfe raw").raw == "\ufffd\ufffd raw"


@pytest.mark.parametrize("query, code, field", [
    (pb.LogQuery(parent=WEB, pod="no-such-pod"), grpc.StatusCode.NOT_FOUND, None),
    (pb.LogQuery(parent=WEB, pod="POD", container="nope"), grpc.StatusCode.NOT_FOUND, None),
    (pb.LogQuery(parent=WEB), grpc.StatusCode.INVALID_ARGUMENT, "query.pod"),
    (pb.LogQuery(parent=WEB, pod="POD", since="yesterday"), grpc.StatusCode.INVALID_ARGUMENT, "query.since"),
    (pb.LogQuery(parent=WEB, label_selector="app in (x"), grpc.StatusCode.INVALID_ARGUMENT, "query.label_selector"),
    (pb.LogQuery(parent="clusters/demo/namespaces/-", pod="x"), grpc.StatusCode.INVALID_ARGUMENT, "query.parent"),
    (pb.LogQuery(parent="clusters/nope/namespaces/web", pod="x"), grpc.StatusCode.NOT_FOUND, None),
])
def test_bad_queries(stub, pod: str, query: pb.LogQuery, code: grpc.StatusCode, field: str | None) -> None:
    if query.pod == "POD":
        query.pod = pod
    with pytest.raises(grpc.RpcError) as error:
        stub.ListLogEntries(pb.ListLogEntriesRequest(query=query))
    d = details(error.value)
    assert d.code == code, d.message
    if field:
        assert field in d.violations


def test_container_that_never_ran(stub, kube, sim: Simulator) -> None:
    """A pod that cannot be scheduled: its container never started, so it has no logs."""
    from kubernetes import client
    name = f"pending-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(kube).create_namespaced_pod("web", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"nodeSelector": {"nowhere": "true"}, "containers": [{"name": "app", "image": "busybox"}]}})
    with pytest.raises(grpc.RpcError) as error:
        stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(parent=WEB, pod=name, container="app")))
    assert details(error.value).code == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=f"{WEB}/pods/{name}/containers/app", command=["ls"]))
    assert details(error.value).code == grpc.StatusCode.FAILED_PRECONDITION
    client.CoreV1Api(kube).delete_namespaced_pod(name, "web")


def test_export_csv_and_json_are_recorded(stub, sim: Simulator, pod: str) -> None:
    tag = marked(sim, pod)
    query = pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=50, filter=pb.LogFilter(contains=tag))
    chunks = list(stub.ExportLogs(pb.ExportLogsRequest(query=query, format=pb.EXPORT_FORMAT_CSV)))
    data = b"".join(c.data for c in chunks)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["time", "pod", "container", "level", "message"]
    assert [r[3] for r in rows[1:]] == ["INFO", "ERROR", "WARN", "DEBUG", ""]
    record = chunks[-1].export
    assert record.size_bytes == len(data) and record.entry_count == 5 and record.format == pb.EXPORT_FORMAT_CSV
    assert record.caller == "admin" or record.caller
    as_json = json.loads(b"".join(c.data for c in stub.ExportLogs(pb.ExportLogsRequest(query=query))))
    assert [e["level"] for e in as_json] == ["INFO", "ERROR", "WARN", "DEBUG", ""]
    assert as_json[2]["fields"]["latency_ms"] == 900
    listed = stub.ListLogExports(pb.ListLogExportsRequest(page_size=2)).exports
    assert [e.name for e in listed][1] == record.name and listed[1].query.filter.contains == tag


def test_parsing_units() -> None:
    assert parse_line("p", "c", b"2026-01-01T00:00:00.5Z E0102 15:04:05.123456 1 x.go:1] boom").level == L.LOG_LEVEL_ERROR
    assert parse_line("p", "c", b'2026-01-01T00:00:00Z {"severity":"WARNING","message":"m"}').level == L.LOG_LEVEL_WARN
    assert parse_line("p", "c", b'2026-01-01T00:00:00Z {"level":50,"msg":"pino"}').level == L.LOG_LEVEL_ERROR
    assert parse_line("p", "c", b"2026-01-01T00:00:00Z ts=1 level=info msg=x").level == L.LOG_LEVEL_INFO
    assert parse_line("p", "c", b"2026-01-01T00:00:00Z no error here").level == L.LOG_LEVEL_UNSPECIFIED
    assert parse_line("p", "c", b"2026-01-01T00:00:01.25+01:00 x").time_ns == 1767225601250000000 - 3600 * 10**9
    assert parse_when("90s", "f", now=1000.0) == 910 * 10**9
    assert parse_when("1h30m", "f", now=10000.0) == 4600 * 10**9
    line_filter = parse_filter(pb.LogFilter(pattern="a+", exclude_pattern="b", ignore_case=True), "filter")
    kept = line_filter.select(Chunk("p", "c", b"x AA\nx AB\n", 2))
    assert kept is not None and (kept.data, kept.lines) == (b"x AA\n", 1)


@pytest.mark.parametrize("raw, level", [
    ('{"level":"info","msg":"ERROR in the message does not count"}', L.LOG_LEVEL_INFO),
    ('{"msg":"no level key, ERROR in text"}', L.LOG_LEVEL_UNSPECIFIED),
    ('{"ts":1, "severity" : "CRITICAL"}', L.LOG_LEVEL_FATAL),
    ('{"lvl":"warning"}', L.LOG_LEVEL_WARN),
    ('{"level":30}', L.LOG_LEVEL_INFO),
    ('{"level":10}', L.LOG_LEVEL_DEBUG),
    ('{"level":60}', L.LOG_LEVEL_FATAL),
    ('{"msg":"a \\"level\\":\\"error\\" quoted","level":"debug"}', L.LOG_LEVEL_DEBUG),  # key inside a string
    ('{"level":"bogus"}', L.LOG_LEVEL_UNSPECIFIED),
    ("{not json} ERROR here", L.LOG_LEVEL_ERROR),  # not an object: text rules
    ("XINFO is not a level, WARN is", L.LOG_LEVEL_WARN),
    ("MY_ERROR_CODE=3", L.LOG_LEVEL_UNSPECIFIED),
    ('ts=1 level=info msg="ERROR x"', L.LOG_LEVEL_INFO),  # the logfmt key comes first
    ("ERROR then level=info", L.LOG_LEVEL_ERROR),  # the word comes first
    ('severity="Warning" x', L.LOG_LEVEL_WARN),
    ("W0102 15:04:05.123456 1 x.go:1] careful", L.LOG_LEVEL_WARN),
    ("Warning: lower-case words are prose", L.LOG_LEVEL_UNSPECIFIED),
    ("", L.LOG_LEVEL_UNSPECIFIED),
])
def test_level_detection(raw: str, level: int) -> None:
    assert detect_level(raw) == level


def test_kubelet_times_and_chunks() -> None:
    base = 1767225600 * 10**9
    assert parse_time("2026-01-01T00:00:00Z") == base
    assert parse_time("2026-01-01T00:00:00.1Z") == base + 100_000_000  # trailing zeros trimmed
    assert parse_time("2026-01-01T00:00:00.123456789Z") == base + 123_456_789
    assert parse_time("2026-01-01T00:00:00.1234567891Z") == base + 123_456_789  # beyond ns: cut
    assert parse_time("2026-01-01T00:00:00.\u0661Z") is None  # non-ASCII digits
    assert parse_time("2026-13-01T00:00:00Z") is None and parse_time("yesterday") is None
    # A multi-byte character cut between two reads, and CRLF endings.
    lines, pending = split_lines(b"", "2026-01-01T00:00:00Z caf\u00e9\r\n2026-01-01T00:00:01Z \u00e9".encode()[:-1])
    assert lines == ["2026-01-01T00:00:00Z caf\u00e9"] and pending.endswith(b"\xc3")
    lines, pending = split_lines(pending, b"\xa9\n")
    assert lines == ["2026-01-01T00:00:01Z \u00e9"] and pending == b""


def test_views(stub, sim: Simulator, pod: str) -> None:
    """BASIC leaves message and fields empty and keeps everything else; unset means FULL."""
    tag = marked(sim, pod)
    basic = entries(stub, pod, tag, view=pb.LOG_VIEW_BASIC)
    full = entries(stub, pod, tag, view=pb.LOG_VIEW_FULL)
    default = entries(stub, pod, tag)
    assert [(e.level, e.raw, e.time, e.pod, e.container) for e in basic] == \
        [(e.level, e.raw, e.time, e.pod, e.container) for e in full]
    assert all(not e.message and not e.HasField("fields") for e in basic)
    assert full == default and full[2].fields["latency_ms"] == 900 and full[2].message == f"{tag} slow request"
    errors = entries(stub, pod, tag, view=pb.LOG_VIEW_BASIC, levels=[L.LOG_LEVEL_ERROR])
    assert [e.raw for e in errors] == [basic[1].raw]
    with pytest.raises(grpc.RpcError) as error:
        stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(parent=WEB, pod=pod, view=7)))
    assert "query.view" in details(error.value).violations


def test_stream_basic_view_filters_every_line(stub, sim: Simulator, pod: str) -> None:
    """A BASIC follow sends the time, level and raw text of each kept line, and filters apply."""
    tag = uuid.uuid4().hex[:8]
    open_follows = sim.open_follows
    follow = Follow(stub, pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=0, view=pb.LOG_VIEW_BASIC,
                                      filter=pb.LogFilter(contains=tag, levels=[L.LOG_LEVEL_ERROR, L.LOG_LEVEL_WARN])))
    try:
        wait_for(follow.joined)
        sim.append_log("web", pod, "frontend", [f"{tag} INFO skipped", f"{tag} ERROR kept", "ERROR other",
                                                json.dumps({"level": "warn", "msg": tag})])
        got = wait_for(lambda: len(follow.raws()) >= 2 and [e for r in follow.responses for e in r.entries])
        assert [(e.level, e.raw, e.message) for e in got] == [
            (L.LOG_LEVEL_ERROR, f"{tag} ERROR kept", ""), (L.LOG_LEVEL_WARN, json.dumps({"level": "warn", "msg": tag}), "")]
        assert all(e.time.seconds > 0 and e.pod == pod and not e.HasField("fields") for e in got)
    finally:
        follow.cancel()
        # kubesim sees the closed connection when it next writes; later tests count open follows.
        sim.append_log("web", pod, "frontend", ["after the follow"])
        wait_for(lambda: sim.open_follows == open_follows)


def test_domain_levels_and_views_are_the_contracts_numbers() -> None:
    """The log domain numbers levels and views itself (no generated code on the parsing path)."""
    assert {level.name: int(level) for level in Level} == {
        name.removeprefix("LOG_LEVEL_"): number for name, number in pb.LogLevel.items()}
    assert {view.name: int(view) for view in View} == {
        name.removeprefix("LOG_VIEW_"): number for name, number in pb.LogView.items()}


# Views whose lines travel in chunks: LOG_VIEW_RAW, and the parsed views asked `chunked`.
CHUNKED = [{"view": pb.LOG_VIEW_RAW}, {"view": pb.LOG_VIEW_FULL, "chunked": True},
           {"view": pb.LOG_VIEW_BASIC, "chunked": True}]


@pytest.mark.parametrize("form", CHUNKED)
@pytest.mark.parametrize("filter_args", [
    {"levels": [L.LOG_LEVEL_ERROR, L.LOG_LEVEL_WARN]}, {"contains": "UPSTREAM", "ignore_case": True},
    {"contains": "UPSTREAM"}, {"pattern": r"slow|cache"}, {"pattern": r"^\S+ DEBUG"}, {"pattern": r"path=/a$"},
    {"exclude_pattern": "request"}, {"pattern": "request", "exclude_pattern": "slow", "levels": [L.LOG_LEVEL_INFO]}])
def test_raw_stream_filters_keep_the_lines_the_entry_views_keep(stub, sim: Simulator, pod: str,
                                                                 filter_args: dict, form: dict) -> None:
    """LOG_VIEW_RAW filters whole chunks at once (with `^`/`$` still per line), chunked parsed views
    line by line; the lines either keeps are those the BASIC view keeps for the same filter."""
    open_follows = sim.open_follows
    follow = Follow(stub, pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=0, **form,
                                      filter=pb.LogFilter(**filter_args)))
    try:
        wait_for(follow.joined)
        tag = marked(sim, pod)
        expected = [e.raw for e in entries(stub, pod, tag, view=pb.LOG_VIEW_BASIC, **filter_args)]
        wait_for(lambda: len([line for line in follow.raws() if tag in line]) >= len(expected))
        time.sleep(0.3)  # lines the filter should have dropped would arrive by now
        assert [line for line in follow.raws() if tag in line] == expected
        assert all(e.pod == pod for r in follow.responses for e in r.chunks) and not any(r.entries for r in follow.responses)
    finally:
        follow.cancel()
        sim.append_log("web", pod, "frontend", ["after the follow"])
        wait_for(lambda: sim.open_follows == open_follows)


def test_raw_chunk_units() -> None:
    """LOG_VIEW_RAW's pure parts: line counts, stripping the kubelet's times, a time window, and
    whole-chunk filters at the edges (anchors, an empty match, a last line without newline)."""
    assert [count_lines(data) for data in (b"", b"a\n", b"a\nb", b"\n\n")] == [0, 1, 2, 2]
    stamped = b"2026-01-01T00:00:01.5Z one\r\n2026-01-01T00:00:02Z two\n2026-01-01T00:00:03Z three"
    whole = read_chunk("p", "c", stamped, timestamped=True, window=None)
    assert whole is not None and whole.data == b"one\r\ntwo\nthree" and whole.lines == 3
    assert (whole.first_ns, whole.last_ns) == (parse_time("2026-01-01T00:00:01.5Z"), parse_time("2026-01-01T00:00:03Z"))
    windowed = read_chunk("p", "c", stamped, timestamped=True,
                          window=(parse_time("2026-01-01T00:00:02Z"), parse_time("2026-01-01T00:00:03Z")))
    assert windowed is not None and windowed.data == b"two\nthree" and windowed.lines == 2
    assert read_chunk("p", "c", stamped + b"\n", True, (0, parse_time("2026-01-01T00:00:01.9Z"))).data == b"one\r\n"
    assert read_chunk("p", "c", b"as is \xff\n", timestamped=False, window=None).data == b"as is \xff\n"

    def select(data: bytes, **spec: object) -> bytes | None:
        chunk = parse_filter(pb.LogFilter(**spec), "filter").select(Chunk("p", "c", data, count_lines(data)))
        return chunk.data if chunk else None

    data = b"alpha one\nBeta two\r\n\xff bytes three\nlast"
    assert select(data) == data
    assert select(data, contains="two") == b"Beta two\r\n"
    assert select(data, contains="beta", ignore_case=True) == b"Beta two\r\n"
    assert select(data, pattern=r"^\w+ (one|three)$") == b"alpha one\n"
    assert select(data, pattern="three|last") == b"\xff bytes three\nlast"
    assert select(data, exclude_pattern="a") == b"\xff bytes three\n"
    assert select(data, pattern="x*") == data  # an empty match keeps every line, and ends
    assert select(data, contains="nowhere") is None
    assert select(b"ERROR bad\nINFO fine\nWARN last", levels=[L.LOG_LEVEL_ERROR, L.LOG_LEVEL_WARN]) == \
        b"ERROR bad\nWARN last"


def test_encoded_chunks_are_the_message_protobuf_builds() -> None:
    """StreamLogs sends chunks encoded by hand (convert.encoded_with_chunks): they must parse to
    the message protobuf itself builds, for every kind of chunk (times read or not, a `chunked`
    query's lists, data longer than one and two varint bytes, empty) beside the other fields."""
    head = pb.StreamLogsResponse(joined=["p/c"], left=["q/c"], dropped=3,
                                 errors=[pb.LogUpstreamError(container="q/c")])
    chunks = [Chunk("p", "c", b"one\n", 1),
              Chunk("p", "c", "é\r\n".encode() * 100, 100, first_ns=1_700_000_000_123_456_789,
                    last_ns=1_700_000_001_000_000_000),
              Chunk("pod-b", "app", b"x" * 70_000 + b"\nlast", 2, 5, 6, times=[5, 6], levels=[int(Level.ERROR), 0],
                    messages=["x" * 10, "last"]),
              Chunk("p", "c", b"", 0)]
    messages = [pb.LogChunk(pod="p", container="c", data=b"one\n", line_count=1),
                pb.LogChunk(pod="p", container="c", data="é\r\n".encode() * 100, line_count=100,
                            first_time={"seconds": 1_700_000_000, "nanos": 123_456_789}),
                pb.LogChunk(pod="pod-b", container="app", data=b"x" * 70_000 + b"\nlast", line_count=2,
                            first_time={"nanos": 5}, times=[5, 6], levels=[L.LOG_LEVEL_ERROR, 0],
                            messages=["x" * 10, "last"]),
                pb.LogChunk(pod="p", container="c")]
    for response in (head, pb.StreamLogsResponse()):
        expected = pb.StreamLogsResponse(chunks=messages)
        expected.MergeFrom(response)
        assert pb.StreamLogsResponse.FromString(encoded_with_chunks(response, chunks)) == expected
        listed = pb.ListLogEntriesResponse()
        add_chunks(listed.chunks, chunks)
        assert list(listed.chunks) == messages
    assert encoded_with_chunks(head, []) == head.SerializeToString()


def test_list_raw_view_pages_the_lines_of_the_entry_views(stub, sim: Simulator, pod: str) -> None:
    """ListLogEntries in LOG_VIEW_RAW: the same lines, in the same merged order, as BASIC, sent as
    chunks (no entries), with pages that count lines."""
    tag = marked(sim, pod)

    def pages(view: int) -> list[pb.ListLogEntriesResponse]:
        query = pb.LogQuery(parent=WEB, label_selector="app=frontend", since="1m", view=view,
                            filter=pb.LogFilter(contains=tag, exclude_pattern="plain"))
        found, token = [], ""
        while not found or token:
            found.append(stub.ListLogEntries(pb.ListLogEntriesRequest(query=query, page_size=2, page_token=token)))
            token = found[-1].next_page_token
        return found

    basic, raw = pages(pb.LOG_VIEW_BASIC), pages(pb.LOG_VIEW_RAW)
    assert len(raw) == len(basic) == 2
    assert [e.raw for p in basic for e in p.entries] == [line for p in raw for c in p.chunks for line in chunk_lines(c)]
    assert not any(p.entries for p in raw) and all(c.pod == pod and c.first_time.seconds for p in raw for c in p.chunks)


def chunk_values(chunks: list[pb.LogChunk]) -> list[tuple[int, int, str, str]]:
    """(time ns, level, message, raw) of each line of `chunked` chunks."""
    found = []
    for chunk in chunks:
        assert len(chunk.times) == len(chunk.levels) == chunk.line_count
        messages = list(chunk.messages) or [""] * chunk.line_count
        found += zip(chunk.times, chunk.levels, messages, chunk_lines(chunk))
    return found


def entry_values(entries: list[pb.LogEntry]) -> list[tuple[int, int, str, str]]:
    return [(e.time.ToNanoseconds(), e.level, e.message, e.raw) for e in entries]


@pytest.mark.parametrize("view", [pb.LOG_VIEW_BASIC, pb.LOG_VIEW_FULL])
def test_chunked_views_carry_the_values_of_the_entry_views(stub, sim: Simulator, pod: str, view: int) -> None:
    """`chunked`: the lines in chunks, with each line's time, level and (FULL) message as the entry
    view computes them, followed and listed (pages counting lines, merged in time order)."""
    open_follows = sim.open_follows
    follow = Follow(stub, pb.LogQuery(parent=WEB, pod=pod, container="frontend", tail_lines=0, view=view,
                                      chunked=True))
    try:
        wait_for(follow.joined)
        tag = marked(sim, pod)
        expected = entry_values(entries(stub, pod, tag, view=view))
        assert len(expected) == 5 and (view == pb.LOG_VIEW_BASIC or expected[2][2] == f"{tag} slow request")

        def followed() -> list[tuple[int, int, str, str]]:
            return [v for v in chunk_values([c for r in list(follow.responses) for c in r.chunks]) if tag in v[3]]
        wait_for(lambda: len(followed()) >= 5)
        assert followed() == expected and not any(r.entries for r in follow.responses)
    finally:
        follow.cancel()
        sim.append_log("web", pod, "frontend", ["after the follow"])
        wait_for(lambda: sim.open_follows == open_follows)

    def listed(chunked: bool) -> list[pb.ListLogEntriesResponse]:
        query = pb.LogQuery(parent=WEB, label_selector="app=frontend", since="1m", view=view, chunked=chunked,
                            filter=pb.LogFilter(contains=tag))
        found, token = [], ""
        while not found or token:
            found.append(stub.ListLogEntries(pb.ListLogEntriesRequest(query=query, page_size=2, page_token=token)))
            token = found[-1].next_page_token
        return found

    pages = listed(True)
    assert len(pages) == 3 and not any(p.entries for p in pages)
    assert chunk_values([c for p in pages for c in p.chunks]) == \
        entry_values([e for p in listed(False) for e in p.entries]) == expected


def test_parsed_chunk_units() -> None:
    """A chunked view's values for a whole chunk equal the per-line parser's; a line in another time
    form sends the chunk through that parser; a window keeps the values with their lines."""
    lines = ["2026-01-01T00:00:01.5Z 2026-01-01 10:00:00,001 INFO [app] served", "2026-01-01T00:00:02Z ",
             '2026-01-01T00:00:02.000000001Z {"level":"error","msg":"boom","n":1}',
             "2026-01-01T00:00:03.123456789Z {not json} WARN", "2026-01-01T00:00:04Z XINFO level=debug caf\u00e9"]
    data = "\n".join(lines).encode()
    for view in (BASIC, FULL):
        entries = parse_lines("p", "c", decode_lines(data), view)
        chunk = parsed_chunk("p", "c", data + b"\n", view, None)
        assert chunk is not None and chunk.data == b"".join(e.raw.encode() + b"\n" for e in entries)
        assert chunk.times == [e.time_ns for e in entries] and chunk.levels == [e.level for e in entries]
        assert chunk.messages == ([e.message for e in entries] if view == FULL else None)
    offset = data.replace(b"2026-01-01T00:00:02Z", b"2026-01-01T01:00:02+01:00")
    other = parsed_chunk("p", "c", offset, FULL, None)
    assert other is not None and other.times == parsed_chunk("p", "c", data, FULL, None).times  # type: ignore[union-attr]
    windowed = parsed_chunk("p", "c", data, FULL, (parse_time("2026-01-01T00:00:02Z"), parse_time("2026-01-01T00:00:03.2Z")))
    assert windowed is not None and windowed.lines == 3 and windowed.messages == ["", "boom", "{not json} WARN"]
    assert windowed.data == b'\n{"level":"error","msg":"boom","n":1}\n{not json} WARN\n'
    assert parsed_chunk("p", "c", data, BASIC, (0, 1)) is None
