"""Exec sessions and log exports: an append-mostly audit record in SQLite beside the store, or in
PostgreSQL shared by the replicas when `database_url` is set (server/state).

Not in the git store: these are records of activity (with captured output), not configuration.
They arrive at the rate people run commands, are never edited or rolled back, and would bloat
every clone of the store; a local SQLite table gives indexed lookups by container prefix and
caller. Each row keeps its record as JSON text (plain values, output base64); rows written by
earlier versions hold serialized protobuf and are rewritten as JSON when the file is opened
(through the `legacy` decoders the composition root passes in, from server/containers/convert.py).
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from server import paging
from server.errors import InvalidArgument, NotFound
from server.state import Database, Executor, Schema

MAX_PAGE = 500

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS exec_sessions (
    seq {serial}, id TEXT UNIQUE NOT NULL, caller TEXT NOT NULL,
    container TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS exec_sessions_container ON exec_sessions(container);
CREATE TABLE IF NOT EXISTS log_exports (
    seq {serial}, id TEXT UNIQUE NOT NULL, caller TEXT NOT NULL, data TEXT NOT NULL);
"""]


@dataclass
class ExecSession:
    """One exec session (one-shot or interactive); times in nanoseconds since the epoch."""

    name: str
    caller: str
    container: str
    command: list[str]
    interactive: bool = False
    tty: bool = False
    start_ns: int = 0
    end_ns: int = 0  # 0 while it runs
    exit_code: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    transcript: str = ""
    truncated: bool = False
    error: str = ""

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "stdout": base64.b64encode(self.stdout).decode(),
                           "stderr": base64.b64encode(self.stderr).decode()})

    @classmethod
    def from_json(cls, text: str) -> "ExecSession":
        data = json.loads(text)
        return cls(**{**data, "stdout": base64.b64decode(data["stdout"]), "stderr": base64.b64decode(data["stderr"])})


@dataclass
class LogExport:
    """One finished export: what was asked (the query as its JSON form), how big it was."""

    name: str
    caller: str
    create_ns: int
    # The LogQuery as the contract's JSON mapping (kept as asked, shown back by ListLogExports).
    query: dict[str, Any] = field(default_factory=dict)
    format: int = 0
    size_bytes: int = 0
    entry_count: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "LogExport":
        return cls(**json.loads(text))


R = TypeVar("R", ExecSession, LogExport)
# Decoders of rows written before records were JSON (serialized protobuf).
Legacy = Callable[[bytes], Any]


def _page(page_size: int, token: str, query: tuple[str, ...]) -> tuple[int, int]:
    size = paging.page_size(page_size, maximum=MAX_PAGE)
    return size, paging.decode(token, query, s=int).get("s", 2 ** 62)


SCHEMA = Schema("containers", "containers.db", MIGRATIONS, ("exec_sessions", "log_exports"))


class Records:
    def __init__(self, path: Path, database_url: str = "", *, legacy_session: Legacy | None = None,
                 legacy_export: Legacy | None = None) -> None:
        self._db = Database.open(database_url, path)  # captured exec output: owner-only
        self._db.adopt(SCHEMA)
        if self._db.dialect.name == "sqlite":  # only files an earlier version wrote hold protobuf rows
            with self._db.transaction() as tx:
                for table, decode in (("exec_sessions", legacy_session), ("log_exports", legacy_export)):
                    if decode is not None:
                        _upgrade(tx, table, decode)

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._db.execute(sql, args).fetchall()

    # -- exec sessions ----------------------------------------------------------------------

    def _save_session(self, session: ExecSession) -> None:
        self._run("INSERT INTO exec_sessions (id, caller, container, data) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                  (session.name, session.caller, session.container, session.to_json()))

    async def save_session(self, session: ExecSession) -> None:
        await asyncio.to_thread(self._save_session, session)

    def _get_session(self, name: str) -> ExecSession:
        rows = self._run("SELECT data FROM exec_sessions WHERE id = ?", (name,))
        if not rows:
            raise NotFound(f"exec session {name} not found", "SESSION_NOT_FOUND")
        return ExecSession.from_json(rows[0][0])

    async def get_session(self, name: str) -> ExecSession:
        """`execSessions/{id}`."""
        if not name.startswith("execSessions/") or name.count("/") != 1:
            raise InvalidArgument.field("name", f"{name!r} is not an exec session name (execSessions/{{id}})")
        return await asyncio.to_thread(self._get_session, name)

    def _list_sessions(self, parent: str, caller: str, page_size: int, token: str
                       ) -> tuple[list[ExecSession], str]:
        query = ("exec-sessions", parent, caller)
        size, before = _page(page_size, token, query)
        prefix = parent.rstrip("/")
        rows = self._run(
            "SELECT seq, data FROM exec_sessions WHERE seq < ? AND (? = '' OR container = ? OR "
            "substr(container, 1, length(?) + 1) = ? || '/') AND (? = '' OR caller = ?) "
            "ORDER BY seq DESC LIMIT ?",
            (before, prefix, prefix, prefix, prefix, caller, caller, size + 1))
        return _paged(ExecSession, rows, size, query)

    async def list_sessions(self, parent: str, caller: str, page_size: int, token: str
                            ) -> tuple[list[ExecSession], str]:
        return await asyncio.to_thread(self._list_sessions, parent, caller, page_size, token)

    # -- log exports ------------------------------------------------------------------------

    def _add_export(self, export: LogExport) -> None:
        self._run("INSERT INTO log_exports (id, caller, data) VALUES (?, ?, ?)",
                  (export.name, export.caller, export.to_json()))

    async def add_export(self, export: LogExport) -> None:
        await asyncio.to_thread(self._add_export, export)

    def _list_exports(self, page_size: int, token: str) -> tuple[list[LogExport], str]:
        size, before = _page(page_size, token, ("log-exports",))
        rows = self._run("SELECT seq, data FROM log_exports WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                         (before, size + 1))
        return _paged(LogExport, rows, size, ("log-exports",))

    async def list_exports(self, page_size: int, token: str) -> tuple[list[LogExport], str]:
        return await asyncio.to_thread(self._list_exports, page_size, token)

    def close(self) -> None:
        self._db.close()


def _upgrade(db: Executor, table: str, decode: Legacy) -> None:
    """Rewrites the rows an earlier version stored as serialized protobuf (BLOB) as JSON text."""
    rows = db.execute(f"SELECT seq, data FROM {table} WHERE typeof(data) = 'blob'").fetchall()  # noqa: S608
    db.executemany(f"UPDATE {table} SET data = ? WHERE seq = ?",  # noqa: S608
                   [(decode(data).to_json(), seq) for seq, data in rows])


def _paged(kind: type[R], rows: list[tuple], size: int, query: tuple[str, ...]) -> tuple[list[R], str]:
    """Newest first; the token holds the sequence number of the last row returned."""
    items = [kind.from_json(data) for _, data in rows[:size]]
    return items, paging.encode(query, s=rows[size - 1][0]) if len(rows) > size else ""
