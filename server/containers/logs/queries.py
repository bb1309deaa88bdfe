"""Log queries: which containers, which part of their logs, and which lines are kept.

Built from plain values (server/containers/convert.py unpacks the LogQuery and LogFilter
messages) and validated here, with errors naming the request field (`{prefix}.pod`, ...).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Iterable

from server.containers.logs.chunks import Chunk, Parsed, count_lines, parse_chunk, parsed_chunk, read_chunk, \
    text_lines, with_levels
from server.containers.logs.lines import FULL, RAW, Level, View, detect_level, format_time, parse_time
from server.errors import InvalidArgument
from server.kube import paths
from server.names import parse_namespace_parent

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_PATTERN = 1000
# Non-follow reads: at most this much of each container's log (the newest part, via limitBytes on
# a tail) so one chatty container cannot exhaust the server.
MAX_READ_BYTES = 16 * 1024 * 1024

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
    # LOG_VIEW_RAW's forms of the same criteria, searched over a whole chunk (MULTILINE, so `^` and
    # `$` still mean a line's start and end): lines must match every `keep` and not `drop`.
    keep: tuple[re.Pattern[str], ...] = ()
    drop: re.Pattern[str] | None = None

    @classmethod
    def build(cls, levels: Iterable[int], contains: str, pattern: str, exclude_pattern: str, ignore_case: bool,
              prefix: str) -> "LineFilter":
        flags = re.IGNORECASE if ignore_case else 0
        for level in levels:
            if level not in Level._value2member_map_:
                raise InvalidArgument.field(f"{prefix}.levels", f"unknown level {level}")
        compiled = _compile(pattern, flags, f"{prefix}.pattern")
        exclude = _compile(exclude_pattern, flags, f"{prefix}.exclude_pattern")
        whole = flags | re.MULTILINE
        keep = tuple(re.compile(p, whole) for p in (re.escape(contains) if contains else "", pattern) if p)
        return cls(frozenset(levels), contains.lower() if ignore_case else contains, ignore_case, compiled, exclude,
                   keep, re.compile(exclude_pattern, whole) if exclude else None)

    def select(self, chunk: Chunk) -> Chunk | None:
        """The chunk with only the lines this filter keeps: nothing done for an empty filter, else the
        chunk decoded once (surrogateescape: the kept bytes come back unchanged) and each pattern
        searched over all of it, with Python work per matching line only; levels, when asked, are
        the one per-line pass."""
        if not (self.levels or self.keep or self.drop is not None):
            return chunk
        if chunk.times is not None:
            return self._select_lines(chunk)
        text = chunk.data.decode("utf-8", "surrogateescape")
        if self.levels:
            levels, lines = self.levels, text.split("\n")
            tail = lines.pop()
            kept = [line for line in lines if detect_level(line.rstrip("\r")) in levels]
            text = "".join(line + "\n" for line in kept) + (tail if tail and detect_level(tail) in levels else "")
        for pattern in self.keep:
            text = _lines_matching(text, pattern, keep=True)
        if self.drop is not None:
            text = _lines_matching(text, self.drop, keep=False)
        if not text:
            return None
        data = text.encode("utf-8", "surrogateescape")
        return Chunk(chunk.pod, chunk.container, data, count_lines(data), chunk.first_ns, chunk.last_ns)

    def _select_lines(self, chunk: Chunk) -> Chunk | None:
        """A chunk with per-line values (times, levels, messages): the kept lines found line by line,
        as the entry views do, so that the values stay with their lines."""
        return chunk.subset(chunk.split(), self.rows(chunk))

    def select_parsed(self, parsed: Parsed) -> Parsed | None:
        """`select` for a parsed chunk of an entry view (its texts and JSON objects kept with their lines)."""
        keep = self.rows(parsed.chunk)
        return parsed if keep is None else parsed.subset(parsed.chunk.split(), keep)

    def rows(self, chunk: Chunk) -> list[int] | None:
        """The indices of the chunk's lines this filter keeps; None when it keeps all (no filter)."""
        if not (self.levels or self.contains or self.pattern is not None or self.exclude is not None):
            return None
        keep = list(range(chunk.lines))
        if self.levels:
            levels, line_levels = self.levels, with_levels(chunk)
            keep = [i for i in keep if line_levels[i] in levels]
        if self.contains or self.pattern is not None or self.exclude is not None:
            texts = text_lines(chunk.data)
            if self.contains:
                contains = self.contains
                keep = [i for i in keep if contains in (texts[i].lower() if self.ignore_case else texts[i])]
            if self.pattern is not None:
                search = self.pattern.search
                keep = [i for i in keep if search(texts[i]) is not None]
            if self.exclude is not None:
                search = self.exclude.search
                keep = [i for i in keep if search(texts[i]) is None]
        return keep


def _lines_matching(text: str, pattern: re.Pattern[str], keep: bool) -> str:
    """The lines of `text` in which `pattern` matches (`keep`) or the others: one search from each
    match's line end, so lines without a match cost no Python at all."""
    parts, position, search, size = [], 0, pattern.search, len(text)
    match = search(text)
    while match is not None:
        start = text.rfind("\n", 0, match.start()) + 1
        if start >= size:
            break  # an empty match after the last newline: not a line
        end = text.find("\n", match.start()) + 1 or size
        parts.append(text[start:end] if keep else text[position:start])
        position = end
        match = search(text, end) if end < size else None
    if not keep:
        parts.append(text[position:])
    return "".join(parts)


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
    """A validated LogQuery. `fingerprint` identifies the query as sent (page tokens are bound to it)."""

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
    fingerprint: str = ""
    chunked: bool = False

    @classmethod
    def build(cls, *, parent: str, pod: str, container: str, selector: str, tail_lines: int, since: str,
              until: str, previous: bool, filter: LineFilter, view: int, fingerprint: str,
              chunked: bool = False, prefix: str = "query") -> "Query":
        cluster, namespace = parse_namespace_parent(parent, f"{prefix}.parent")
        if namespace == "-":
            raise InvalidArgument.field(f"{prefix}.parent", "logs are read from one namespace at a time")
        if bool(pod) == bool(selector):
            raise InvalidArgument.field(f"{prefix}.pod", "name a pod or give a label_selector (one of them)")
        if pod:
            paths.check_name(pod, paths.POD, f"{prefix}.pod")
        if container:
            paths.check_name(container, paths.CONTAINER, f"{prefix}.container")
        if tail_lines < 0:
            raise InvalidArgument.field(f"{prefix}.tail_lines", "must not be negative")
        since_ns = parse_when(since, f"{prefix}.since")
        until_ns = parse_when(until, f"{prefix}.until")
        if since_ns is not None and until_ns is not None and until_ns < since_ns:
            raise InvalidArgument.field(f"{prefix}.until", "is before since")
        if view not in View._value2member_map_:
            raise InvalidArgument.field(f"{prefix}.view", f"unknown view {view}")
        return cls(cluster, namespace, pod, container, selector, tail_lines, since_ns, until_ns, previous, filter,
                   view or FULL, fingerprint, chunked and view != RAW)

    @property
    def in_chunks(self) -> bool:
        """Whether lines travel as chunks: LOG_VIEW_RAW, or a parsed view asked `chunked`."""
        return self.view == RAW or self.chunked

    @property
    def timestamped(self) -> bool:
        """Whether lines are read with the kubelet's times: always, except in LOG_VIEW_RAW for one
        named container without a time window (its bytes then pass through untouched)."""
        return self.view != RAW or bool(self.selector) or not self.container or self.since_ns is not None \
            or self.until_ns is not None

    def upstream(self, target: Target, *, follow: bool, since_ns: int | None = None) -> list[tuple[str, str]]:
        params = [("container", target.container)]
        if self.timestamped:
            params.append(("timestamps", "true"))
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

    def time_window(self, since_ns: int | None = None) -> tuple[int, int] | None:
        """(low, high) ns of the lines to keep, from `since_ns` (the query's since by default) to
        until; None when the query has no window."""
        floor = since_ns if since_ns is not None else self.since_ns
        if floor is None and self.until_ns is None:
            return None
        return floor or 0, self.until_ns if self.until_ns is not None else 1 << 63

    def raw_chunk(self, target: Target, data: bytes, since_ns: int | None = None) -> Chunk | None:
        """`window` for chunks: complete upstream lines -> a chunk of those in the time window (with
        their parsed values when the query is `chunked`)."""
        window = self.time_window(since_ns)
        if self.chunked:
            return parsed_chunk(target.pod, target.container, data, self.view, window)
        return read_chunk(target.pod, target.container, data, self.timestamped, window)

    def parsed_chunk(self, target: Target, data: bytes, since_ns: int | None = None) -> Parsed | None:
        """The entry views' form of `raw_chunk`: the lines in the time window, parsed, with what
        their entries are made of."""
        return parse_chunk(target.pod, target.container, data, self.view, self.time_window(since_ns))

    def log_path(self, pod: str) -> str:
        return paths.pod_log(self.namespace, pod)
