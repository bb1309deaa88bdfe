"""LOG_VIEW_RAW: lines as the bytes the container wrote, many lines of one container per chunk.

Nothing is done per line unless the query asks for it: the kubelet's timestamps are requested
only when containers are merged or a time window applies (then stripped with one regex over the
chunk), levels are detected only for a level filter, and the other filters search the whole chunk
at once (server/containers/logs/queries.py, LineFilter.select).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.containers.logs.lines import parse_time

# The `<RFC3339Nano> ` prefix `timestamps=true` puts before every line.
_STAMP = re.compile(rb"^[^ \n]* ", re.MULTILINE)


@dataclass(slots=True)
class Chunk:
    """Consecutive lines of one container; `data` ends with a newline except for a log's last line
    written without one. `first_ns`/`last_ns` are 0 when times were not read."""

    pod: str
    container: str
    data: bytes
    lines: int
    first_ns: int = 0
    last_ns: int = 0


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _stamp_ns(data: bytes, start: int) -> int:
    end = data.find(b" ", start)
    return parse_time(data[start:end].decode("ascii", "replace")) or 0 if end >= 0 else 0


def read_chunk(pod: str, container: str, data: bytes, timestamped: bool,
               window: tuple[int, int] | None) -> Chunk | None:
    """Complete upstream lines -> a chunk, their timestamps (when requested) stripped and, with a
    `window` (low, high ns), only the lines inside it kept: the one case that reads every time."""
    if not timestamped:
        return Chunk(pod, container, data, count_lines(data)) if data else None
    if window is not None:
        low, high = window
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" after a final newline, else the unterminated last line
        kept = [(ns, line) for line in [*lines, tail] if line
                for ns in (parse_time(line[:line.find(b" ")].decode("ascii", "replace")) or 0,)
                if low <= ns <= high]
        if not kept:
            return None
        body = b"\n".join(line for _, line in kept) + (b"\n" if not tail or kept[-1][1] is not tail else b"")
        return Chunk(pod, container, _STAMP.sub(b"", body), len(kept), kept[0][0], kept[-1][0])
    if not data:
        return None
    last_start = data.rfind(b"\n", 0, len(data) - 1) + 1
    return Chunk(pod, container, _STAMP.sub(b"", data), count_lines(data), _stamp_ns(data, 0),
                 _stamp_ns(data, last_start))
