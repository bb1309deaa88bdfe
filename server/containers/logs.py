"""Log queries: which containers, which part of their logs, how each line is read and filtered.

Upstream lines are always requested with `timestamps=true`, so every entry carries the kubelet's
time even when the application writes none, and entries of many containers merge in time order.
Lines are parsed once into a small slotted object; only the lines a filter keeps become protobuf.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import itertools
import json
import operator
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from google.protobuf import struct_pb2

from kubecommit.v1 import containers_pb2 as pb
from server import paging
from server.containers.targets import container_names, container_status, get_pod, has_started
from server.containers.transport import ClusterStreams
from server.errors import FailedPrecondition, InvalidArgument
from server.kube import ClusterConnection
from server.names import parse_namespace_parent

L = pb.LogLevel
# Plain ints: reading `L.LOG_LEVEL_X` goes through EnumTypeWrapper.__getattr__ (~0.3 µs a time).
UNSPECIFIED, DEBUG, INFO, WARN, ERROR, FATAL = (pb.LOG_LEVEL_UNSPECIFIED, pb.LOG_LEVEL_DEBUG, pb.LOG_LEVEL_INFO,
                                                pb.LOG_LEVEL_WARN, pb.LOG_LEVEL_ERROR, pb.LOG_LEVEL_FATAL)
BASIC, FULL = pb.LOG_VIEW_BASIC, pb.LOG_VIEW_FULL
_LEVEL_WORDS = {
    "trace": DEBUG, "debug": DEBUG, "info": INFO, "information": INFO, "notice": INFO, "warn": WARN,
    "warning": WARN, "error": ERROR, "err": ERROR, "fatal": FATAL, "critical": FATAL, "crit": FATAL,
    "panic": FATAL, "emergency": FATAL, "alert": FATAL,
}
_JSON_MESSAGE_KEYS = ("msg", "message", "log")
# The level of a JSON line without parsing it: the first `"level"`-like key that follows `{` or `,`
# (inside a JSON string a quote is escaped, so `,"level":` cannot occur there), with a word or a
# pino/bunyan number as its value. Decoding the line costs ~3 µs; this search ~0.3 µs.
_JSON_LEVEL = re.compile(r'[{,]\s*"(?:level|severity|lvl|loglevel|log\.level)"\s*:\s*(?:"([A-Za-z]+)"|(\d+))')
# Text lines: a logfmt `level=x` key or an upper-case level word (logback, log4j, Python logging,
# Go log), whichever comes first, and klog's `E0102 15:04:05.123456` prefix. The word pattern
# starts without `\b` so that `re` scans for its first letters (~0.2 µs a line, against ~1.5 µs
# for one alternation of everything behind `\b`); the boundary before a word is checked
# afterwards, and the logfmt pattern only runs when a `=` comes before the word.
_LEVEL_WORD = re.compile(r"(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERR(?:OR)?|FATAL|CRITICAL|PANIC)\b")
_LOGFMT_LEVEL = re.compile(r"\b(?:level|lvl|severity)=\"?([A-Za-z]+)")
_KLOG_PREFIX = re.compile(r"[DIWEF]\d{4} \d\d:\d\d:\d\d")
_KLOG = {"D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"}
# A timestamp the application wrote at the start of its line (ISO 8601 or `2024-01-02 03:04:05,123`).
_LEADING_TIME = re.compile(r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?\s+")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Nanoseconds per unit of a fraction with that many digits (`.5` -> 5 * 10**8).
_FRACTION_SCALE = [10 ** (9 - digits) for digits in range(10)]
MAX_PATTERN = 1000
# Non-follow reads: at most this much of each container's log (the newest part, via limitBytes on
# a tail) so one chatty container cannot exhaust the server.
MAX_READ_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = 200_000
# Containers read at once by one query.
READ_CONCURRENCY = 16


@dataclass(slots=True)
class Entry:
    """One parsed line. `message` and `fields` are only filled in LOG_VIEW_FULL."""

    pod: str
    container: str
    time_ns: int
    level: int
    raw: str
    message: str = ""
    fields: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"time": format_time(self.time_ns), "pod": self.pod, "container": self.container,
                "level": level_name(self.level), "message": self.message, "raw": self.raw}


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


def _fill_struct(target: struct_pb2.Struct, values: dict[str, Any]) -> None:
    try:
        target.update(values)
    except (ValueError, TypeError):  # numbers out of range, nested odd types: keep them as text
        target.update({k: v if isinstance(v, (str, bool)) or v is None else json.dumps(v) for k, v in values.items()})


def level_name(level: int) -> str:
    return L.Name(level).removeprefix("LOG_LEVEL_") if level else ""


def format_time(time_ns: int) -> str:
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


# -- parsing ------------------------------------------------------------------------------------

_second_cache: dict[str, int] = {}


def _seconds(head: str) -> int | None:
    """`YYYY-MM-DDTHH:MM:SS` (or with a space) -> Unix seconds, cached: lines share their second."""
    seconds = _second_cache.get(head)
    if seconds is None:
        try:
            seconds = calendar.timegm(datetime.strptime(head.replace("t", "T").replace(" ", "T"),
                                                        "%Y-%m-%dT%H:%M:%S").timetuple())
        except ValueError:
            return None
        if len(_second_cache) > 4096:
            _second_cache.clear()
        _second_cache[head] = seconds
    return seconds


def parse_time(text: str) -> int | None:
    """RFC 3339 (any fraction, Z or offset) -> Unix nanoseconds; None when it is not one.

    The kubelet's own form (`...:05.123456789Z`, trailing zeros trimmed) takes the fast path: slices
    and one int(); offsets and other spellings the general one."""
    if len(text) < 20 or text[10] not in "Tt ":
        return None
    seconds = _seconds(text[:19])
    if seconds is None:
        return None
    if text[19] == "." and text[-1] == "Z":
        fraction = text[20:-1]
        if 0 < len(fraction) <= 9 and fraction.isascii() and fraction.isdecimal():
            return seconds * 1_000_000_000 + int(fraction) * _FRACTION_SCALE[len(fraction)]
    rest, nanos = text[19:], 0
    if rest[:1] in (".", ","):
        digits = len(rest) - len(rest[1:].lstrip("0123456789"))
        nanos = int(rest[1:digits][:9].ljust(9, "0") or 0)
        rest = rest[digits:]
    if rest in ("Z", "z"):
        offset = 0
    elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":" and (rest[1:3] + rest[4:]).isdigit():
        offset = (int(rest[1:3]) * 3600 + int(rest[4:]) * 60) * (1 if rest[0] == "+" else -1)
    else:
        return None
    return (seconds - offset) * 1_000_000_000 + nanos


def _number_level(value: float) -> int:
    """pino/bunyan numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal."""
    for bound, level in ((30, DEBUG), (40, INFO), (50, WARN), (60, ERROR)):
        if value < bound:
            return level
    return FATAL


def detect_level(raw: str) -> int:
    """The level of one line. A line that looks like a JSON object (`{...}`) gets it from its
    level key only (a word or a number; no key: unspecified); other lines from level words."""
    if raw[:1] == "{" and raw[-1:] == "}":
        match = _JSON_LEVEL.search(raw)
        if match is None:
            return UNSPECIFIED
        word = match.group(1)
        return _LEVEL_WORDS.get(word.lower(), UNSPECIFIED) if word else _number_level(int(match.group(2)))
    if raw[:1] in _KLOG and _KLOG_PREFIX.match(raw):
        return _LEVEL_WORDS[_KLOG[raw[0]]]
    match = _LEVEL_WORD.search(raw, 0, 300)
    # A level word inside a longer one (`XINFO`, `MY_ERROR`) does not count: look further.
    while match is not None and match.start() and (raw[match.start() - 1].isalnum() or raw[match.start() - 1] == "_"):
        match = _LEVEL_WORD.search(raw, match.end(), 300)
    end = match.start() if match else 300
    if raw.find("=", 0, end) >= 0 and (key := _LOGFMT_LEVEL.search(raw, 0, end)) is not None:
        return _LEVEL_WORDS.get(key.group(1).lower(), UNSPECIFIED)
    return _LEVEL_WORDS[match.group(1).lower()] if match else UNSPECIFIED


def _details(raw: str) -> tuple[str, dict[str, Any] | None]:
    """LOG_VIEW_FULL's extras: (message, fields) of one line."""
    if raw[:1] == "{":
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return next((str(data[k]) for k in _JSON_MESSAGE_KEYS if k in data), raw), data
    match = _LEADING_TIME.match(raw)
    return (raw[match.end():] if match else raw), None


def parse_lines(pod: str, container: str, lines: list[str], view: int = FULL) -> list[Entry]:
    """Upstream lines (`<RFC3339Nano> <text>`, as `timestamps=true` sends them, already decoded and
    without their newline) -> entries. The per-line work is kept to a few C calls: this loop is what
    bounds StreamLogs' throughput."""
    entries = []
    append = entries.append
    seconds_of, scale = _second_cache.get, _FRACTION_SCALE
    now_ns = 0
    for line in lines:
        stamp, _, raw = line.partition(" ")
        # parse_time's kubelet fast path, inlined: a call per line costs more than the parsing.
        seconds, fraction = seconds_of(stamp[:19]), stamp[20:-1]
        if seconds is not None and stamp[19:20] == "." and stamp[-1:] == "Z" and len(fraction) <= 9 \
                and fraction.isascii() and fraction.isdecimal():
            time_ns = seconds * 1_000_000_000 + int(fraction) * scale[len(fraction)]
        else:
            time_ns = parse_time(stamp)  # type: ignore[assignment]
            if time_ns is None:  # not timestamped (a cluster that ignores the flag): keep the whole line
                now_ns = now_ns or time.time_ns()
                time_ns, raw = now_ns, line
        if view == BASIC:
            append(Entry(pod, container, time_ns, detect_level(raw), raw))
        else:
            append(Entry(pod, container, time_ns, detect_level(raw), raw, *_details(raw)))
    return entries


def decode_lines(data: bytes) -> list[str]:
    """Complete lines (the data ends at a line break, or is a whole response) decoded once, not per
    line: a newline byte is never inside a UTF-8 sequence, so the result is the same. Bytes that are
    not UTF-8 become U+FFFD (protobuf strings must be UTF-8)."""
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if "\r" in text:
        lines = [line.rstrip("\r") for line in lines]
    return lines


def parse_line(pod: str, container: str, line: bytes, view: int = FULL) -> Entry:
    """One upstream line; for tests and single lines (readers use parse_lines on whole chunks)."""
    return parse_lines(pod, container, decode_lines(line.rstrip(b"\r\n")), view)[0]


def split_lines(pending: bytes, chunk: bytes) -> tuple[list[str], bytes]:
    """The complete lines of `pending + chunk`, decoded in one go, and the unfinished tail."""
    data = pending + chunk
    cut = data.rfind(b"\n")
    if cut < 0:
        return [], data
    return decode_lines(data[:cut]), data[cut + 1:]


# -- filters and queries ------------------------------------------------------------------------

def _compile(pattern: str, flags: int, field_name: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    if len(pattern) > MAX_PATTERN:
        raise InvalidArgument.field(field_name, f"at most {MAX_PATTERN} characters")
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise InvalidArgument.field(field_name, f"invalid regular expression: {error}", "INVALID_PATTERN") from None


@dataclass(frozen=True)
class LineFilter:
    levels: frozenset[int] = frozenset()
    contains: str = ""
    ignore_case: bool = False
    pattern: re.Pattern[str] | None = None
    exclude: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, spec: pb.LogFilter, prefix: str) -> "LineFilter":
        flags = re.IGNORECASE if spec.ignore_case else 0
        for level in spec.levels:
            if level not in L.values():
                raise InvalidArgument.field(f"{prefix}.levels", f"unknown level {level}")
        return cls(frozenset(spec.levels), spec.contains.lower() if spec.ignore_case else spec.contains,
                   spec.ignore_case, _compile(spec.pattern, flags, f"{prefix}.pattern"),
                   _compile(spec.exclude_pattern, flags, f"{prefix}.exclude_pattern"))

    def apply(self, entries: list[Entry]) -> list[Entry]:
        """The entries this filter keeps: one pass per criterion that is set, none when the filter is
        empty (the common follow), rather than a Python call per line."""
        if self.levels:
            levels = self.levels
            entries = [e for e in entries if e.level in levels]
        if self.contains:
            contains = self.contains
            entries = [e for e in entries if contains in e.raw.lower()] if self.ignore_case else \
                [e for e in entries if contains in e.raw]
        if self.pattern is not None:
            search = self.pattern.search
            entries = [e for e in entries if search(e.raw) is not None]
        if self.exclude is not None:
            search = self.exclude.search
            entries = [e for e in entries if search(e.raw) is None]
        return entries


def parse_when(text: str, field_name: str, now: float | None = None) -> int | None:
    """RFC 3339 time or a duration back from now (`15m`, `1h30m`, `2d`) -> Unix nanoseconds."""
    if not text:
        return None
    parts = _DURATION.findall(text)
    if parts and "".join(n + u for n, u in parts) == text:
        back = sum(float(n) * _UNITS[u] for n, u in parts)
        return int(((now if now is not None else time.time()) - back) * 1e9)
    value = parse_time(text)
    if value is None:
        raise InvalidArgument.field(field_name, f"{text!r} is neither an RFC 3339 time nor a duration like 15m or 2h")
    return value


@dataclass(frozen=True)
class Target:
    pod: str
    container: str

    @property
    def key(self) -> str:
        return f"{self.pod}/{self.container}"


@dataclass
class Query:
    """A validated LogQuery."""

    cluster: str
    namespace: str
    pod: str
    container: str
    selector: str
    tail_lines: int
    since_ns: int | None
    until_ns: int | None
    previous: bool
    filter: LineFilter
    view: int
    source: pb.LogQuery = field(repr=False, default_factory=pb.LogQuery)

    @classmethod
    def parse(cls, query: pb.LogQuery, prefix: str = "query") -> "Query":
        cluster, namespace = parse_namespace_parent(query.parent, f"{prefix}.parent")
        if namespace == "-":
            raise InvalidArgument.field(f"{prefix}.parent", "logs are read from one namespace at a time")
        if bool(query.pod) == bool(query.label_selector):
            raise InvalidArgument.field(f"{prefix}.pod", "name a pod or give a label_selector (one of them)")
        if query.tail_lines < 0:
            raise InvalidArgument.field(f"{prefix}.tail_lines", "must not be negative")
        since = parse_when(query.since, f"{prefix}.since")
        until = parse_when(query.until, f"{prefix}.until")
        if since is not None and until is not None and until < since:
            raise InvalidArgument.field(f"{prefix}.until", "is before since")
        if query.view not in pb.LogView.values():
            raise InvalidArgument.field(f"{prefix}.view", f"unknown view {query.view}")
        return cls(cluster, namespace, query.pod, query.container, query.label_selector, query.tail_lines,
                   since, until, query.previous, LineFilter.parse(query.filter, f"{prefix}.filter"),
                   query.view or FULL, query)

    def upstream(self, target: Target, *, follow: bool, since_ns: int | None = None) -> list[tuple[str, str]]:
        params = [("container", target.container), ("timestamps", "true")]
        since = since_ns if since_ns is not None else self.since_ns
        if follow:
            params.append(("follow", "true"))
        else:
            params.append(("limitBytes", str(MAX_READ_BYTES)))
        if self.tail_lines and since_ns is None:
            params.append(("tailLines", str(self.tail_lines)))
        if since is not None:
            params.append(("sinceTime", format_time(since).split(".")[0] + "Z"))
        if self.previous:
            params.append(("previous", "true"))
        return params

    def window(self, entries: list[Entry], since_ns: int | None = None) -> list[Entry]:
        """The entries between `since_ns` (the query's since by default) and until; no per-line
        work when the query has no window (upstream's sinceTime has only second precision)."""
        floor = since_ns if since_ns is not None else self.since_ns
        until = self.until_ns
        if floor is None and until is None:
            return entries
        low, high = floor or 0, until if until is not None else 1 << 63
        return [e for e in entries if low <= e.time_ns <= high]

    def fingerprint(self) -> str:
        return hashlib.sha256(self.source.SerializeToString(deterministic=True)).hexdigest()[:16]

    def log_path(self, pod: str) -> str:
        return f"/api/v1/namespaces/{self.namespace}/pods/{pod}/log"


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
        return await conn.request("GET", f"/api/v1/namespaces/{query.namespace}/pods",
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


async def read_entries(streams: ClusterStreams, query: Query, target: Target,
                       slots: asyncio.Semaphore) -> list[Entry]:
    async with slots:
        data = await streams.read(query.log_path(target.pod), query.upstream(target, follow=False))
    if data.endswith(b"\n"):
        data = data[:-1]
    entries = parse_lines(target.pod, target.container, decode_lines(data), query.view) if data else []
    return query.window(entries)


async def collect(conn: ClusterConnection, query: Query) -> list[Entry]:
    """Every entry the query selects, merged across containers in time order, filtered."""
    targets = await resolve(conn, query)
    slots = asyncio.Semaphore(READ_CONCURRENCY)
    async with ClusterStreams(conn) as streams:
        per_target = await asyncio.gather(*(read_entries(streams, query, t, slots) for t in targets))
    kept = query.filter.apply(list(itertools.chain.from_iterable(per_target)))
    return sorted(kept, key=operator.attrgetter("time_ns"))[-MAX_ENTRIES:]


# -- pages --------------------------------------------------------------------------------------

def page_token(offset: int, query: Query) -> str:
    return paging.encode(("log-entries", query.fingerprint()), o=offset)


def page_offset(token: str, query: Query, field_name: str = "page_token") -> int:
    """Offset into the query's result; a token from another query is refused (server.paging)."""
    return paging.decode(token, ("log-entries", query.fingerprint()), field_name, o=int).get("o", 0)
