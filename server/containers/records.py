"""Exec sessions and log exports: an append-mostly audit record in SQLite beside the store, or in
PostgreSQL shared by the replicas when `database_url` is set (server/state).

Not in the git store: these are records of activity (with captured output), not configuration.
They arrive at the rate people run commands, are never edited or rolled back, and would bloat
every clone of the store; a local SQLite table gives indexed lookups by container prefix and
caller. Each row keeps the serialized protobuf, so the record is exactly what the API returns.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TypeVar

from google.protobuf.message import Message

from kubecommit.v1 import containers_pb2 as pb
from server import paging
from server.errors import InvalidArgument, NotFound
from server.state import Database

M = TypeVar("M", bound=Message)
MAX_PAGE = 500

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS exec_sessions (
    seq {serial}, id TEXT UNIQUE NOT NULL, caller TEXT NOT NULL,
    container TEXT NOT NULL, data {blob} NOT NULL);
CREATE INDEX IF NOT EXISTS exec_sessions_container ON exec_sessions(container);
CREATE TABLE IF NOT EXISTS log_exports (
    seq {serial}, id TEXT UNIQUE NOT NULL, caller TEXT NOT NULL, data {blob} NOT NULL);
"""]


def _page(page_size: int, token: str, query: tuple[str, ...]) -> tuple[int, int]:
    size = paging.page_size(page_size, maximum=MAX_PAGE)
    return size, paging.decode(token, query, s=int).get("s", 2 ** 62)


class Records:
    def __init__(self, path: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, path)  # captured exec output: owner-only
        self._db.migrate("containers", MIGRATIONS)

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._db.execute(sql, args).fetchall()

    # -- exec sessions ----------------------------------------------------------------------

    def _save_session(self, session: pb.ExecSession) -> None:
        self._run("INSERT INTO exec_sessions (id, caller, container, data) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                  (session.name, session.caller, session.container, session.SerializeToString()))

    async def save_session(self, session: pb.ExecSession) -> None:
        await asyncio.to_thread(self._save_session, session)

    def _get_session(self, name: str) -> pb.ExecSession:
        rows = self._run("SELECT data FROM exec_sessions WHERE id = ?", (name,))
        if not rows:
            raise NotFound(f"exec session {name} not found", "SESSION_NOT_FOUND")
        return pb.ExecSession.FromString(bytes(rows[0][0]))

    async def get_session(self, name: str) -> pb.ExecSession:
        """`execSessions/{id}`."""
        if not name.startswith("execSessions/") or name.count("/") != 1:
            raise InvalidArgument.field("name", f"{name!r} is not an exec session name (execSessions/{{id}})")
        return await asyncio.to_thread(self._get_session, name)

    def _list_sessions(self, parent: str, caller: str, page_size: int, token: str
                       ) -> tuple[list[pb.ExecSession], str]:
        query = ("exec-sessions", parent, caller)
        size, before = _page(page_size, token, query)
        prefix = parent.rstrip("/")
        rows = self._run(
            "SELECT seq, data FROM exec_sessions WHERE seq < ? AND (? = '' OR container = ? OR "
            "substr(container, 1, length(?) + 1) = ? || '/') AND (? = '' OR caller = ?) "
            "ORDER BY seq DESC LIMIT ?",
            (before, prefix, prefix, prefix, prefix, caller, caller, size + 1))
        return _paged(pb.ExecSession, rows, size, query)

    async def list_sessions(self, parent: str, caller: str, page_size: int, token: str
                            ) -> tuple[list[pb.ExecSession], str]:
        return await asyncio.to_thread(self._list_sessions, parent, caller, page_size, token)

    # -- log exports ------------------------------------------------------------------------

    def _add_export(self, export: pb.LogExport) -> None:
        self._run("INSERT INTO log_exports (id, caller, data) VALUES (?, ?, ?)",
                  (export.name, export.caller, export.SerializeToString()))

    async def add_export(self, export: pb.LogExport) -> None:
        await asyncio.to_thread(self._add_export, export)

    def _list_exports(self, page_size: int, token: str) -> tuple[list[pb.LogExport], str]:
        size, before = _page(page_size, token, ("log-exports",))
        rows = self._run("SELECT seq, data FROM log_exports WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                         (before, size + 1))
        return _paged(pb.LogExport, rows, size, ("log-exports",))

    async def list_exports(self, page_size: int, token: str) -> tuple[list[pb.LogExport], str]:
        return await asyncio.to_thread(self._list_exports, page_size, token)

    def close(self) -> None:
        self._db.close()


def _paged(kind: type[M], rows: list[tuple], size: int, query: tuple[str, ...]) -> tuple[list[M], str]:
    """Newest first; the token holds the sequence number of the last row returned."""
    items = [kind.FromString(bytes(data)) for _, data in rows[:size]]
    return items, paging.encode(query, s=rows[size - 1][0]) if len(rows) > size else ""
