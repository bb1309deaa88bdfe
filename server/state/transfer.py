"""Copying a data directory's SQLite state into PostgreSQL (`kubecommit state migrate`), for a
single-process install that moves to shared state (docs/deploy.md).

Works from the components' `Schema`s, so every table a server keeps is copied and none is
listed twice: each SQLite file is brought to the current schema (as a server start would), the
target gets the same versioned schema, and each component's tables are copied in one target
transaction (all or nothing), rows streamed in batches, columns by name, PostgreSQL sequences
moved past the copied ids. Copies are recorded in `state_imports` (component, source data
directory), so running the command again skips what is done (idempotent, and a run that failed
half-way resumes with the components it had not finished). Target tables that already hold rows
not copied from this data directory are refused, nothing copied, unless `replace` is given
(then the target's rows go, in the same transaction as the copy).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from server.errors import FailedPrecondition, InvalidArgument
from server.state.database import POSTGRESQL, Database, Schema, redact_url

MARKS = Schema("state_imports", "", ["""
CREATE TABLE IF NOT EXISTS state_imports (
    component TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    finished_at {real} NOT NULL
);
"""], ("state_imports",))

# Told (component, table, rows just copied).
Progress = Callable[[str, str, int], None]

COPIED, DONE_BEFORE, NO_SOURCE = "copied", "already copied", "nothing to copy"


@dataclass
class Component:
    schema: Schema
    source: Database | None  # None: the data directory has no such file
    rows: dict[str, int] = field(default_factory=dict)  # per table, in the source
    occupied: list[str] = field(default_factory=list)  # target tables holding rows
    done: bool = False  # copied from this data directory before
    outcome: str = ""


class StateMigration:
    """`plan` on open (what would be copied, what is in the way), `run` to copy, `close`."""

    def __init__(self, data_dir: Path, url: str, schemas: Sequence[Schema]) -> None:
        if not data_dir.is_dir():
            raise InvalidArgument.field("data_dir", f"no data directory at {data_dir}")
        if not url:
            raise InvalidArgument.field("to", "a postgresql:// URL is needed (or KUBECOMMIT_DATABASE_URL)")
        self.source_id = str(data_dir.resolve())
        self.target = Database.open(url, data_dir / "unused")
        if self.target.dialect is not POSTGRESQL:
            raise InvalidArgument.field("to", f"{redact_url(url)!r} is not a postgresql:// URL")
        self.components: list[Component] = []
        try:
            self.target.adopt(MARKS)
            for schema in schemas:
                self.components.append(self._plan(data_dir, schema))
        except BaseException:
            self.close()
            raise

    def _plan(self, data_dir: Path, schema: Schema) -> Component:
        path = data_dir / schema.file
        source = Database.open("", path) if path.exists() else None
        component = Component(schema, source)
        if source is not None:
            source.adopt(schema)
            component.rows = {t: _count(source, t) for t in schema.tables}
        self.target.adopt(schema)
        component.occupied = [t for t in schema.tables if _count(self.target, t)]
        mark = self.target.execute("SELECT source FROM state_imports WHERE component = ?",
                                   (schema.component,)).fetchone()
        component.done = mark is not None and mark[0] == self.source_id
        return component

    @property
    def in_the_way(self) -> list[str]:
        """Target tables holding rows this data directory did not put there."""
        return [t for c in self.components if not c.done for t in c.occupied]

    def run(self, replace: bool = False, progress: Progress | None = None) -> list[Component]:
        blocking = self.in_the_way
        if blocking and not replace:
            raise FailedPrecondition(
                f"tables in {self.target.where} already hold rows: {', '.join(blocking)}; nothing was copied "
                "(pass --replace to overwrite them)", "TARGET_NOT_EMPTY", metadata={"tables": ",".join(blocking)})
        for component in self.components:
            if component.done and not replace:
                component.outcome = DONE_BEFORE
                continue
            self._copy(component, progress or (lambda *_: None))
        return self.components

    def _copy(self, component: Component, progress: Progress) -> None:
        schema, source = component.schema, component.source
        with self.target.transaction(lock=f"kubecommit state import {schema.component}") as tx:
            for table in reversed(schema.tables):  # rows that refer to others go first
                tx.execute(f"DELETE FROM {table}")
            for table in schema.tables if source is not None else ():
                wanted = set(self.target.columns(table))
                columns = ", ".join(c for c in source.columns(table) if c in wanted)
                insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(columns.split(', ')))})"
                for rows in source.batches(f"SELECT {columns} FROM {table}"):
                    tx.executemany(insert, rows)
                    progress(schema.component, table, len(rows))
                for (serial,) in tx.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = ? AND column_default LIKE 'nextval(%'", (table,)).fetchall():
                    tx.execute(f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({serial}), 0) + 1, false)"
                               f" FROM {table}", (table, serial))
            tx.execute("INSERT INTO state_imports (component, source, row_count, finished_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (component) DO UPDATE SET source = excluded.source,"
                       " row_count = excluded.row_count, finished_at = excluded.finished_at",
                       (schema.component, self.source_id, sum(component.rows.values()), time.time()))
        component.outcome = COPIED if source is not None else NO_SOURCE

    def close(self) -> None:
        for component in self.components:
            if component.source is not None:
                component.source.close()
        self.target.close()


def _count(db: Database, table: str) -> int:
    row = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0
