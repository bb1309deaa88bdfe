"""Container logs: bounded per-container buffers, a generator of realistic lines, and the query
options of `GET .../pods/NAME/log` (tailLines, sinceSeconds, sinceTime, timestamps, limitBytes).

Runs on the event loop thread; followers wait on an asyncio.Event that is swapped on every append.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

LogKey = tuple[str, str, str]  # namespace, pod, container


def rfc3339nano(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


@dataclass
class LogLine:
    seq: int
    ts: datetime
    text: str
    newline: bool = True  # False: written without a final newline (a test's last line)


@dataclass
class ContainerLog:
    lines: deque[LogLine]
    previous: list[LogLine] | None = None  # the last terminated instance, for ?previous=true
    next_seq: int = 0
    closed: bool = False  # pod deleted: followers finish
    lines_per_tick: int = 1
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def append(self, texts: list[str], ts: datetime | None = None, final_newline: bool = True) -> None:
        ts = ts or datetime.now(timezone.utc)
        for index, text in enumerate(texts):
            self.lines.append(LogLine(self.next_seq, ts, text.rstrip("\n"),
                                      final_newline or index < len(texts) - 1))
            self.next_seq += 1
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass
class LogQuery:
    tail_lines: int | None = None
    since: datetime | None = None
    timestamps: bool = False
    limit_bytes: int | None = None

    def render(self, line: LogLine) -> bytes:
        text = f"{rfc3339nano(line.ts)} {line.text}" if self.timestamps else line.text
        return (text + "\n" if line.newline else text).encode()

    def select(self, lines: list[LogLine]) -> list[LogLine]:
        if self.since is not None:
            lines = [ln for ln in lines if ln.ts >= self.since]
        if self.tail_lines is not None:
            lines = lines[-self.tail_lines:] if self.tail_lines > 0 else []
        return lines


_PATHS = ["/api/v1/items", "/api/v1/cart", "/healthz", "/api/v1/orders", "/login", "/static/app.js",
          "/api/v1/users/42", "/metrics"]
_MESSAGES = {
    "INFO": ["request completed", "cache refreshed", "connected to database", "job finished",
             "served request", "config reloaded"],
    "DEBUG": ["cache lookup", "opening connection", "parsed request headers", "retry scheduled"],
    "WARN": ["slow request", "retrying upstream call", "connection pool nearly exhausted",
             "deprecated config key used"],
    "ERROR": ["upstream timeout", "failed to write response", "database connection refused",
              "panic recovered in handler"],
}


class LogGenerator:
    """Produces plausible application log lines: plain text and JSON, mixed levels."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    def line(self, app: str = "app") -> str:
        rng = self.rng
        level = rng.choices(["INFO", "DEBUG", "WARN", "ERROR"], weights=[60, 15, 15, 10])[0]
        msg = rng.choice(_MESSAGES[level])
        path = rng.choice(_PATHS)
        status = {"ERROR": 503, "WARN": 429}.get(level, rng.choice([200, 200, 200, 201, 204, 404]))
        ms = rng.randint(1, 40) if level in ("INFO", "DEBUG") else rng.randint(200, 3000)
        now = datetime.now(timezone.utc)
        if rng.random() < 0.35:
            return json.dumps({"ts": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                               "level": level.lower(), "logger": app, "msg": msg, "path": path,
                               "status": status, "latency_ms": ms})
        return (f"{now.strftime('%Y-%m-%d %H:%M:%S,%f')[:-3]} {level:<5} [{app}] {msg} "
                f"method=GET path={path} status={status} duration={ms}ms")

    def startup(self, app: str, image: str) -> list[str]:
        return [f"Starting {app} (image {image})", "Loading configuration from /etc/app/config.yaml",
                "Listening on :8080"]


class LogStore:
    def __init__(self, max_lines: int = 10000, seed: int = 0) -> None:
        self.max_lines = max_lines
        self.logs: dict[LogKey, ContainerLog] = {}
        self.gen = LogGenerator(seed)

    def get(self, key: LogKey) -> ContainerLog | None:
        return self.logs.get(key)

    def ensure(self, key: LogKey, image: str = "") -> ContainerLog:
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = ContainerLog(deque(maxlen=self.max_lines))
            log.append(self.gen.startup(key[2], image))
        return log

    def restart(self, key: LogKey, image: str, crash_lines: list[str]) -> ContainerLog:
        """Simulate a container restart: current output becomes `previous`."""
        log = self.ensure(key, image)
        log.append(crash_lines)
        log.previous = list(log.lines)
        log.lines.clear()
        log.append(self.gen.startup(key[2], image))
        return log

    def close_pod(self, namespace: str, pod: str) -> None:
        for key in [k for k in self.logs if k[:2] == (namespace, pod)]:
            self.logs.pop(key).close()

    def tick(self, running: list[LogKey]) -> None:
        """One ticker step: every running container logs its configured number of lines."""
        for key in running:
            log = self.logs.get(key)
            if log is not None and log.lines_per_tick:  # a quiet container wakes no follower
                log.append([self.gen.line(key[2]) for _ in range(log.lines_per_tick)])

    def clear(self) -> None:
        for log in self.logs.values():
            log.close()
        self.logs.clear()


def parse_since(seconds: str | None, time: str | None) -> datetime | None:
    if seconds:
        return datetime.now(timezone.utc) - timedelta(seconds=int(seconds))
    if time:
        return datetime.fromisoformat(time.replace("Z", "+00:00"))
    return None
