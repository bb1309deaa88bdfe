"""Job bookkeeping in `<data_dir>/jobs.db` (0600), or in PostgreSQL with `database_url`
(server/state): each job's last run, outcome, duration and
error, whether it is paused and whether a run was asked for; and the lock that makes one server
of those sharing a data directory the one that runs jobs."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from server.state import Database, Schema

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT PRIMARY KEY,
    created {real} NOT NULL,
    last_run {real},
    outcome TEXT NOT NULL DEFAULT '',
    duration {real} NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    runs INTEGER NOT NULL DEFAULT 0,
    paused INTEGER NOT NULL DEFAULT 0,
    requested INTEGER NOT NULL DEFAULT 0
);
"""]

SUCCEEDED, FAILED = "succeeded", "failed"


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value is not None else None


@dataclass
class JobRecord:
    name: str
    created: datetime
    last_run: datetime | None = None
    outcome: str = ""  # "" (never run) | succeeded | failed
    duration: float = 0.0
    error: str = ""
    summary: str = ""
    runs: int = 0
    paused: bool = False
    # A run asked for by an admin, taken by whichever server holds the lock.
    requested: bool = False


SCHEMA = Schema("jobs", "jobs.db", MIGRATIONS, ("jobs",))


class JobState:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)

    def records(self) -> dict[str, JobRecord]:
        rows = self._db.execute("SELECT name, created, last_run, outcome, duration, error, summary, runs, "
                                "paused, requested FROM jobs").fetchall()
        return {r[0]: JobRecord(r[0], _time(r[1]) or datetime.now(timezone.utc), _time(r[2]), r[3], r[4], r[5],
                                r[6], r[7], bool(r[8]), bool(r[9])) for r in rows}

    def ensure(self, names: list[str], when: datetime) -> None:
        """Rows for jobs seen for the first time; `created` dates their first due time."""
        self._db.executemany("INSERT INTO jobs (name, created) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                             [(n, when.timestamp()) for n in names])

    def finished(self, name: str, started: datetime, outcome: str, duration: float, error: str,
                 summary: str) -> None:
        self._db.execute("UPDATE jobs SET last_run = ?, outcome = ?, duration = ?, error = ?, summary = ?, "
                         "runs = runs + 1 WHERE name = ?",
                         (started.timestamp(), outcome, duration, error[:2000], summary[:2000], name))

    def set_flag(self, name: str, flag: str, value: bool) -> bool:
        """Sets `paused` or `requested`; False when no such job is known."""
        assert flag in ("paused", "requested")
        return self._db.execute(f"UPDATE jobs SET {flag} = ? WHERE name = ?", (int(value), name)).rowcount > 0

    def close(self) -> None:
        self._db.close()


class RunnerLock:
    """An exclusive `flock` on `<data_dir>/jobs.lock`: held by at most one server (one open file
    description) at a time, released by the kernel if the holder dies."""

    FILE = "jobs.lock"

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / self.FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
