"""Time series in `<data_dir>/timeseries.db` (0600), or in PostgreSQL with `database_url`
(server/state): raw samples for a day, 5-minute averages for
a week, hourly averages up to the retention bound; a range read picks the finest level that still
covers its start and averages to the step asked for.

Rows are (series id, unix second) keyed tables (WITHOUT ROWID in SQLite), so a range read of one
series is one index range scan.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from server.errors import InvalidArgument
from server.state import Database, Schema

DAY = 86400
# (table, bucket seconds, kept for seconds); the last level's age is the retention setting.
RAW, FIVE_MINUTES, HOURLY = "raw", "m5", "h1"
LEVELS = ((RAW, 1, DAY), (FIVE_MINUTES, 300, 7 * DAY), (HOURLY, 3600, 30 * DAY))
MAX_POINTS = 11_000



def _schema(series_id: str, real: str, ts: str, without_rowid: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS series (id {series_id}, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value {real} NOT NULL);
""" + "".join(f"""
CREATE TABLE IF NOT EXISTS {table} (series INTEGER NOT NULL, ts {ts} NOT NULL, value {real} NOT NULL,
    count INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (series, ts)){without_rowid};
""" for table, _, _ in LEVELS)


# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = [{"sqlite": _schema("INTEGER PRIMARY KEY", "REAL", "INTEGER", " WITHOUT ROWID"),
               "postgresql": _schema("SERIAL PRIMARY KEY", "DOUBLE PRECISION", "BIGINT", "")}]
_UPSERT = " ON CONFLICT (series, ts) DO UPDATE SET value = excluded.value, count = excluded.count"


@dataclass(frozen=True)
class Point:
    time: datetime
    value: float


@dataclass(frozen=True)
class SeriesRange:
    name: str
    step: int  # seconds between points actually used (at least the level's bucket)
    resolution: str  # raw | m5 | h1
    points: list[Point]


SCHEMA = Schema("timeseries", "timeseries.db", MIGRATIONS, ("series", "meta", *(table for table, _, _ in LEVELS)))


class TimeSeries:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, retention_days: float = 30.0, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        self.retention = int(retention_days * DAY)

    def close(self) -> None:
        self._db.close()

    def _id(self, name: str) -> int:
        if name not in self._ids:
            self._db.execute("INSERT INTO series (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
            self._ids[name] = self._db.execute("SELECT id FROM series WHERE name = ?", (name,)).fetchone()[0]
        return self._ids[name]

    def write(self, samples: Iterable[tuple[str, float]], when: datetime) -> int:
        ts = int(when.timestamp())
        with self._lock:
            rows = [(self._id(name), ts, float(value)) for name, value in samples]
            self._db.executemany("INSERT INTO raw (series, ts, value) VALUES (?, ?, ?)" + _UPSERT, rows)
        return len(rows)

    def downsample(self, now: datetime) -> None:
        """Averages finer levels into coarser ones (buckets since the last pass are recomputed,
        so a bucket still filling is corrected later), then drops what each level no longer keeps."""
        stamp = int(now.timestamp())
        with self._db.transaction(lock="kubecommit timeseries downsample") as tx:
            for (source, _, _), (target, bucket, _) in zip(LEVELS, LEVELS[1:]):
                key = f"rolled:{target}"
                row = tx.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                since = int(row[0]) // bucket * bucket if row else 0
                tx.execute(
                    f"INSERT INTO {target} (series, ts, value, count) "
                    f"SELECT series, ts / {bucket} * {bucket}, SUM(value * count) / SUM(count), SUM(count) "
                    f"FROM {source} WHERE ts >= ? GROUP BY series, ts / {bucket}" + _UPSERT, (since,))
                tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)"
                           " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, stamp))
            for table, _, keep in LEVELS:
                keep = self.retention if table == HOURLY else min(keep, self.retention)
                tx.execute(f"DELETE FROM {table} WHERE ts < ?", (stamp - keep,))

    def names(self, prefix: str = "") -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT name FROM series WHERE substr(name, 1, ?) = ? ORDER BY name", (len(prefix), prefix)).fetchall()]

    def query(self, name: str, start: datetime, end: datetime, step: int, now: datetime | None = None) -> SeriesRange:
        """Averages of `name` per `step` seconds over [start, end]; an unknown series is empty."""
        if end <= start:
            raise InvalidArgument.field("end_time", "must be after start_time")
        if step < 0:
            raise InvalidArgument.field("step", "must not be negative")
        now = now or datetime.now(timezone.utc)
        age = now.timestamp() - start.timestamp()
        table, bucket = next(((t, b) for t, b, keep in LEVELS if age <= keep), LEVELS[-1][:2])
        lo, hi = int(start.timestamp()), int(end.timestamp())
        step = max(step or bucket, bucket, -(-(hi - lo) // MAX_POINTS))
        row = self._db.execute("SELECT id FROM series WHERE name = ?", (name,)).fetchone()
        # The step is an int spelled into the SQL: PostgreSQL matches GROUP BY expressions by
        # their text, and `ts / $1` differs from `ts / $6`.
        rows = [] if row is None else self._db.execute(
            f"SELECT ts / {step} * {step}, SUM(value * count) / SUM(count) FROM {table} "
            f"WHERE series = ? AND ts BETWEEN ? AND ? GROUP BY ts / {step} ORDER BY 1",
            (row[0], lo, hi)).fetchall()
        return SeriesRange(name, step, table, [Point(datetime.fromtimestamp(ts, timezone.utc), v) for ts, v in rows])

    async def names_async(self, prefix: str = "") -> list[str]:
        return await asyncio.to_thread(self.names, prefix)

    async def query_async(self, name: str, start: datetime, end: datetime, step: int) -> SeriesRange:
        return await asyncio.to_thread(self.query, name, start, end, step)
