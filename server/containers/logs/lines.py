"""Log lines: how each upstream line is read into an entry (time, level, message, fields).

Upstream lines are always requested with `timestamps=true`, so every entry carries the kubelet's
time even when the application writes none, and entries of many containers merge in time order.
Lines are parsed once into a small slotted object; only the lines a filter keeps become protobuf
(server/containers/convert.py). Levels and views are the contract's numbers as plain ints (the
parsing loop cannot afford an enum lookup per line); tests/containers keep them equal to the proto.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, Callable

import orjson


class Level(IntEnum):
    """Detected severity, numbered as `LogLevel` in containers.proto."""

    UNSPECIFIED = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4
    FATAL = 5


class View(IntEnum):
    """How much of an entry is filled in, numbered as `LogView` in containers.proto."""

    UNSPECIFIED = 0
    BASIC = 1
    FULL = 2
    RAW = 3


# Plain ints for the per-line loop.
UNSPECIFIED, DEBUG, INFO, WARN, ERROR, FATAL = (int(level) for level in Level)
BASIC, FULL, RAW = int(View.BASIC), int(View.FULL), int(View.RAW)
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
# Each branch starts with its own letter, which `re` checks as one character set before trying the
# rest. (A pattern factored as `[TDINWEFCP](?:RACE|EBUG|...)` also matched `WRR` or `CRR`, which
# are no level, and the lookup of their level failed.)
_WORDS = r"(T(?:RACE)|D(?:EBUG)|I(?:NFO)|N(?:OTICE)|W(?:ARN(?:ING)?)|E(?:RR(?:OR)?)|F(?:ATAL)|C(?:RITICAL)|P(?:ANIC))"
_LEVEL_WORD = re.compile(_WORDS + r"\b")
# levels_of's common case for all lines of a chunk at once (after a newline, one match per line):
# a text line that is neither JSON-like nor klog's, whose first level word that starts a word has
# no `=` before it; its group is the word, else empty. Runs of letters that start no level word
# are skipped whole (possessive), so the word is tried only where one can start.
_LINE_LEVEL = re.compile(r"\n(?:(?!\{|[DIWEF]\d{4} \d\d:\d\d:\d\d)(?>[^=\nTDINWEFCP]++|[TDINWEFCP])*?(?<!\w)"
                         + _WORDS + r"\b)?")
_LEVEL_WINDOW = 300  # characters of a text line searched for its level word
_UPPER_LEVEL_WORDS = {word.upper(): level for word, level in _LEVEL_WORDS.items()}
_LOGFMT_LEVEL = re.compile(r"\b(?:level|lvl|severity)=\"?([A-Za-z]+)")
_KLOG_PREFIX = re.compile(r"[DIWEF]\d{4} \d\d:\d\d:\d\d")
_KLOG = {"D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"}
# A timestamp the application wrote at the start of its line (ISO 8601 or `2024-01-02 03:04:05,123`).
_LEADING_TIME = re.compile(r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?\s+")
# The same after a newline, for all lines of a chunk in one `sub` (a pattern that starts with a
# literal is searched for that literal, where a MULTILINE `^` is tried at every position).
_LEADING_TIMES = re.compile(r"\n\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?[^\S\n]+")
# Nanoseconds per unit of a fraction with that many digits (`.5` -> 5 * 10**8).
_FRACTION_SCALE = [10 ** (9 - digits) for digits in range(10)]


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



def level_name(level: int) -> str:
    return Level(level).name if level else ""


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
    match = _LEVEL_WORD.search(raw, 0, _LEVEL_WINDOW)
    # A level word inside a longer one (`XINFO`, `MY_ERROR`) does not count: look further.
    while match is not None and match.start() and (raw[match.start() - 1].isalnum() or raw[match.start() - 1] == "_"):
        match = _LEVEL_WORD.search(raw, match.end(), _LEVEL_WINDOW)
    end = match.start() if match else _LEVEL_WINDOW
    if raw.find("=", 0, end) >= 0 and (key := _LOGFMT_LEVEL.search(raw, 0, end)) is not None:
        return _LEVEL_WORDS.get(key.group(1).lower(), UNSPECIFIED)
    return _LEVEL_WORDS[match.group(1).lower()] if match else UNSPECIFIED


_decode_json = json.JSONDecoder().raw_decode
# Each ASCII digit as `0`, every other byte as a space: 20 digits in a row are then a substring,
# found by a C search (a regular expression tried at every digit costs ~2 µs a line).
_DIGITS_AS_ZEROS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_TWENTY_DIGITS = b"0" * 20


def _long_digits(data: bytes) -> bool:
    return _TWENTY_DIGITS in data.translate(_DIGITS_AS_ZEROS)


def _json_object(raw: str) -> dict[str, Any] | None:
    """The JSON object a `{`-line holds, or None, with `json.loads`' values. orjson (Rust) reads a
    log line's object ~3x faster than `json`, but reads an integer past 64 bits as a float: a line
    with 20 digits in a row goes to `json`."""
    if _long_digits(raw.encode("utf-8", "surrogatepass")):
        data = _json_fallback(raw)
        return data if isinstance(data, dict) else None
    return _short_numbers_object(raw)


def _short_numbers_object(raw: str | bytes) -> dict[str, Any] | None:
    """_json_object of a line known to have no 20 digits in a row, from its text or its UTF-8 bytes
    (no decode for orjson). What orjson refuses but `json` reads (NaN, Infinity, a number beyond a
    double, a lone surrogate escape) goes to `json`."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = _json_fallback(raw.decode() if isinstance(raw, bytes) else raw)
    return data if isinstance(data, dict) else None


def _json_fallback(raw: str) -> Any:
    """`raw_decode` plus a check that only JSON whitespace follows is what `json.loads` does,
    without its two regular-expression matches."""
    try:
        data, end = _decode_json(raw)
    except ValueError:
        return None
    if end != len(raw) and raw[end:].strip(" \t\n\r"):
        return None
    return data


def _message(raw: str, data: dict[str, Any] | None) -> str:
    if data is not None:
        for key in _JSON_MESSAGE_KEYS:
            if key in data:
                return str(data[key])
        return raw
    match = _LEADING_TIME.match(raw)
    return raw[match.end():] if match else raw


def details_of(lines: list[str], joined: str,
               raws: list[bytes] | None) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """LOG_VIEW_FULL's `message` of each line and the JSON object of each JSON line (by row, when not
    empty): the leading times of all lines removed by one `sub` over `joined` (the lines joined by
    newlines), then only JSON lines looked at one by one, parsed from `raws` (each line's UTF-8
    bytes) when the caller has them."""
    messages = _LEADING_TIMES.sub("\n", "\n" + joined)[1:].split("\n")
    objects = {}
    rows = [row for row, line in enumerate(lines) if line[:1] == "{"]
    # One search of all JSON lines usually clears each of a number orjson would misread.
    sources: list[str] | list[bytes] = lines
    read: Callable[[Any], dict[str, Any] | None] = _json_object
    together = b"\n".join([raws[row] for row in rows]) if raws is not None else \
        "\n".join([lines[row] for row in rows]).encode("utf-8", "surrogatepass")
    if not _long_digits(together):
        sources, read = lines if raws is None else raws, _short_numbers_object
    for row in rows:
        data = read(sources[row])
        if data is not None:
            messages[row] = _message(lines[row], data)
            if data:  # an empty object has no `fields` (as in an entry)
                objects[row] = data
    return messages, objects


def levels_of(lines: list[str], joined: str | None = None) -> list[int]:
    """detect_level of each line: the common case (see _LINE_LEVEL) found for all lines by one
    `findall` over the joined lines (`joined`, when the caller has them), the other lines (JSON,
    klog, logfmt, no level word, and lines longer than the window detect_level searches) by
    detect_level one by one."""
    text = "\n".join(lines) if joined is None else joined
    levels = list(map(_UPPER_LEVEL_WORDS.get, _LINE_LEVEL.findall("\n" + text)))
    if max(map(len, lines), default=0) > _LEVEL_WINDOW:
        for row in [row for row, line in enumerate(lines) if len(line) > _LEVEL_WINDOW]:
            levels[row] = None
    row = -1
    try:
        while True:
            row = levels.index(None, row + 1)
            levels[row] = detect_level(lines[row])
    except ValueError:  # no line left without its level
        return levels  # type: ignore[return-value]


def _details(raw: str) -> tuple[str, dict[str, Any] | None]:
    """LOG_VIEW_FULL's extras: (message, fields) of one line."""
    data = _json_object(raw) if raw[:1] == "{" else None
    return _message(raw, data), data


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
