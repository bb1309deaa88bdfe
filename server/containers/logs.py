"""Log queries: which containers, which part of their logs, how each line is read and filtered.

Upstream lines are always requested with `timestamps=true`, so every entry carries the kubelet's
time even when the application writes none, and entries of many containers merge in time order.
Lines are parsed once into a small slotted object; only the lines a filter keeps become protobuf.
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from google.protobuf import struct_pb2

from kubecommit.v1 import containers_pb2 as pb
from server.containers.targets import container_names, container_status, get_pod, has_started
from server.containers.transport import ClusterStreams
from server.errors import FailedPrecondition, InvalidArgument
from server.kube import ClusterConnection
from server.names import parse_namespace_parent

L = pb.LogLevel
_JSON_LEVELS = {
    "trace": L.LOG_LEVEL_DEBUG, "debug": L.LOG_LEVEL_DEBUG, "info": L.LOG_LEVEL_INFO,
    "information": L.LOG_LEVEL_INFO, "notice": L.LOG_LEVEL_INFO, "warn": L.LOG_LEVEL_WARN,
    "warning": L.LOG_LEVEL_WARN, "error": L.LOG_LEVEL_ERROR, "err": L.LOG_LEVEL_ERROR,
    "fatal": L.LOG_LEVEL_FATAL, "critical": L.LOG_LEVEL_FATAL, "crit": L.LOG_LEVEL_FATAL,
    "panic": L.LOG_LEVEL_FATAL, "emergency": L.LOG_LEVEL_FATAL, "alert": L.LOG_LEVEL_FATAL,
}
_JSON_LEVEL_KEYS = ("level", "severity", "lvl", "loglevel", "log.level")
_JSON_MESSAGE_KEYS = ("msg", "message", "log")
# Upper-case level words (logback, log4j, Python logging, Go log), `level=x` (logfmt), and klog's
# `E0102 15:04:05.123456` prefix.
_TEXT_LEVEL = re.compile(
    r"\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|PANIC)\b"
    r"|\b(?:level|lvl|severity)=\"?([A-Za-z]+)|^([DIWEF])\d{4} \d\d:\d\d:\d\d")
_KLOG = {"D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"}
# A timestamp the application wrote at the start of its line (ISO 8601 or `2024-01-02 03:04:05,123`).
_LEADING_TIME = re.compile(r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?\s+")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_PATTERN = 1000
# Non-follow reads: at most this much of each container's log (the newest part, via limitBytes on
# a tail) so one chatty container cannot exhaust the server.
MAX_READ_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = 200_000
# Containers read at once by one query.
READ_CONCURRENCY = 16


@dataclass(slots=True)
class Entry:
    pod: str
    container: str
    time_ns: int
    level: int
    message: str
    raw: str
    fields: dict[str, Any] | None = None

    def fill(self, entry: pb.LogEntry) -> pb.LogEntry:
        """Writes into a message in place (`repeated.add()`), avoiding a copy per entry."""
        entry.pod, entry.container, entry.level = self.pod, self.container, self.level  # type: ignore[assignment]
        entry.message, entry.raw = self.message, self.raw
        entry.time.seconds, entry.time.nanos = divmod(self.time_ns, 1_000_000_000)
        if self.fields:
            _fill_struct(entry.fields, self.fields)
        return entry

    def as_dict(self) -> dict[str, Any]:
        return {"time": format_time(self.time_ns), "pod": self.pod, "container": self.container,
                "level": level_name(self.level), "message": self.message, "raw": self.raw}


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


def parse_time(text: str) -> int | None:
    """RFC 3339 (any fraction, Z or offset) -> Unix nanoseconds; None when it is not one."""
    if len(text) < 20 or text[10] not in "Tt ":
        return None
    head = text[:19]
    seconds = _second_cache.get(head)
    if seconds is None:
        try:
            seconds = calendar.timegm(datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").timetuple()) \
                if text[10] in "Tt" else calendar.timegm(datetime.strptime(head, "%Y-%m-%d %H:%M:%S").timetuple())
        except ValueError:
            return None
        if len(_second_cache) > 4096:
            _second_cache.clear()
        _second_cache[head] = seconds
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


def detect_level(text: str) -> int:
    match = _TEXT_LEVEL.search(text, 0, 300)
    if match is None:
        return L.LOG_LEVEL_UNSPECIFIED
    word = match.group(1) or match.group(2) or _KLOG[match.group(3)]
    return _JSON_LEVELS.get(word.lower(), L.LOG_LEVEL_UNSPECIFIED)


def _json_level(value: Any) -> int:
    if isinstance(value, str):
        return _JSON_LEVELS.get(value.lower(), L.LOG_LEVEL_UNSPECIFIED)
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # pino/bunyan numbers
        for bound, level in ((20, L.LOG_LEVEL_DEBUG), (30, L.LOG_LEVEL_DEBUG), (40, L.LOG_LEVEL_INFO),
                             (50, L.LOG_LEVEL_WARN), (60, L.LOG_LEVEL_ERROR)):
            if value < bound:
                return level
        return L.LOG_LEVEL_FATAL
    return L.LOG_LEVEL_UNSPECIFIED


def parse_line(pod: str, container: str, line: bytes) -> Entry:
    """One upstream line (`<RFC3339Nano> <text>`, as `timestamps=true` sends it)."""
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    stamp, _, raw = text.partition(" ")
    time_ns = parse_time(stamp)
    if time_ns is None:  # not timestamped (a cluster that ignores the flag): keep the whole line
        time_ns, raw = time.time_ns(), text
    if raw[:1] == "{":
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict):
            level = next((_json_level(data[k]) for k in _JSON_LEVEL_KEYS if k in data), L.LOG_LEVEL_UNSPECIFIED)
            message = next((str(data[k]) for k in _JSON_MESSAGE_KEYS if k in data), raw)
            return Entry(pod, container, time_ns, level, message, raw, data)
    match = _LEADING_TIME.match(raw)
    return Entry(pod, container, time_ns, detect_level(raw), raw[match.end():] if match else raw, raw)


def split_lines(pending: bytes, chunk: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines of `pending + chunk`, and the unfinished tail."""
    data = pending + chunk
    lines = data.split(b"\n")
    return lines[:-1], lines[-1]


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

    def keeps(self, entry: Entry) -> bool:
        if self.levels and entry.level not in self.levels:
            return False
        raw = entry.raw
        if self.contains and self.contains not in (raw.lower() if self.ignore_case else raw):
            return False
        if self.pattern is not None and self.pattern.search(raw) is None:
            return False
        return self.exclude is None or self.exclude.search(raw) is None


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
        return cls(cluster, namespace, query.pod, query.container, query.label_selector, query.tail_lines,
                   since, until, query.previous, LineFilter.parse(query.filter, f"{prefix}.filter"), query)

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

    def in_window(self, entry: Entry) -> bool:
        return (self.since_ns is None or entry.time_ns >= self.since_ns) and \
            (self.until_ns is None or entry.time_ns <= self.until_ns)

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
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return [e for e in (parse_line(target.pod, target.container, line) for line in lines) if query.in_window(e)]


async def collect(conn: ClusterConnection, query: Query) -> list[Entry]:
    """Every entry the query selects, merged across containers in time order, filtered."""
    targets = await resolve(conn, query)
    slots = asyncio.Semaphore(READ_CONCURRENCY)
    async with ClusterStreams(conn) as streams:
        per_target = await asyncio.gather(*(read_entries(streams, query, t, slots) for t in targets))
    merged = sorted((e for entries in per_target for e in entries), key=lambda e: e.time_ns)
    keep = query.filter.keeps
    return [e for e in merged if keep(e)][-MAX_ENTRIES:]


# -- pages --------------------------------------------------------------------------------------

def page_token(offset: int, query: Query) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": query.fingerprint()}).encode()).decode()


def page_offset(token: str, query: Query, field_name: str = "page_token") -> int:
    """Offset into the query's result; a token from another query is refused."""
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        fingerprint = data["q"]
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument.field(field_name, "not a token this server issued") from None
    if fingerprint != query.fingerprint() or offset < 0:
        raise InvalidArgument.field(field_name, "was issued for a different query")
    return offset
