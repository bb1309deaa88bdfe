"""The SQLite side index that makes history queries O(versions of a path).

Git can only answer "which commits touched this path" by walking every commit. The index
records, per branch, the first-parent chain of commits (``seq`` 1 = oldest) and which paths
each commit changed on that branch. It is written in the same locked section as the ref
update and is only ever a cache of the repository: ``heads`` remembers the last indexed head
per branch, and :mod:`gitstore.history` catches a branch up (or rebuilds it) whenever the
ref and the index disagree — after a crash, an external ``git push``, or a deleted index file.

Branches share history by copy: creating a branch copies its parent's rows (fast
``INSERT ... SELECT``), so every query is a single-branch range scan on a primary key.
WAL mode lets readers run while a writer commits; ``synchronous=NORMAL`` skips the fsync per
transaction because the index can always be rebuilt from git.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = "1"
_MAX_BOUND = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commits(
  id TEXT PRIMARY KEY, author_name TEXT NOT NULL, author_email TEXT NOT NULL,
  time INTEGER NOT NULL, message TEXT NOT NULL, operation TEXT NOT NULL,
  request_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heads(branch TEXT PRIMARY KEY, commit_id TEXT NOT NULL,
  seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chain(branch TEXT NOT NULL, seq INTEGER NOT NULL,
  commit_id TEXT NOT NULL, PRIMARY KEY(branch, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chain_by_commit ON chain(commit_id);
CREATE TABLE IF NOT EXISTS changes(branch TEXT NOT NULL, path TEXT NOT NULL,
  seq INTEGER NOT NULL, blob TEXT, PRIMARY KEY(branch, path, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS changes_by_seq ON changes(branch, seq);
"""


@dataclass(frozen=True)
class CommitMeta:
    commit_id: str
    author_name: str
    author_email: str
    time: int
    message: str
    operation: str
    request_id: str


@dataclass(frozen=True)
class IndexedCommit:
    """A commit to append to a branch: its metadata and the paths it changed there."""

    meta: CommitMeta
    changes: Sequence[tuple[str, str | None]]  # (path, blob id or None when deleted)


@dataclass(frozen=True)
class VersionRow:
    seq: int
    blob: str | None
    meta: CommitMeta


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Paths under directory ``prefix`` sort between ``prefix/`` and ``prefix0`` ('0' = '/'+1)."""
    return prefix + "/", prefix + "0"


class HistoryIndex:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))

    @property
    def db(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 connections must not be shared)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, timeout=30,
                                   check_same_thread=True)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _tx(self) -> "_Transaction":
        return _Transaction(self.db)

    # --- reads -------------------------------------------------------------------------------
    def head(self, branch: str) -> tuple[str, int] | None:
        row = self.db.execute("SELECT commit_id, seq FROM heads WHERE branch=?", (branch,)).fetchone()
        return (row[0], row[1]) if row else None

    def branches(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT branch FROM heads")]

    def find_commit(self, commit_id: str, prefer: str | None = None) -> tuple[str, int] | None:
        """(branch, seq) of a commit on some indexed branch's chain, preferring ``prefer``."""
        row = self.db.execute(
            "SELECT branch, seq FROM chain WHERE commit_id=? ORDER BY branch=? DESC LIMIT 1",
            (commit_id, prefer or ""),
        ).fetchone()
        return (row[0], row[1]) if row else None

    _META = "c.id, c.author_name, c.author_email, c.time, c.message, c.operation, c.request_id"

    def versions(self, branch: str, path: str, max_seq: int, before_seq: int | None,
                 limit: int) -> list[VersionRow]:
        """Changes of ``path`` on ``branch`` at or below ``max_seq``, newest first."""
        upper = max_seq if before_seq is None else min(max_seq, before_seq - 1)
        rows = self.db.execute(
            f"SELECT ch.seq, ch.blob, {self._META} FROM changes ch"
            " JOIN chain k ON k.branch=ch.branch AND k.seq=ch.seq"
            " JOIN commits c ON c.id=k.commit_id"
            " WHERE ch.branch=? AND ch.path=? AND ch.seq<=? ORDER BY ch.seq DESC LIMIT ?",
            (branch, path, upper, limit),
        ).fetchall()
        return [VersionRow(r[0], r[1], CommitMeta(*r[2:])) for r in rows]

    def count_versions(self, branch: str, path: str, max_seq: int) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM changes WHERE branch=? AND path=? AND seq<=?",
            (branch, path, max_seq),
        ).fetchone()[0]

    def version_numbers(self, branch: str, paths: Sequence[str], max_seq: int) -> dict[str, int]:
        """How many versions each of ``paths`` has on ``branch`` up to ``max_seq``, in one
        query (its current version number; absent when it has none)."""
        counts: dict[str, int] = {}
        for start in range(0, len(paths), _MAX_BOUND):  # SQLite caps bound parameters
            chunk = paths[start:start + _MAX_BOUND]
            counts.update(self.db.execute(
                "SELECT path, COUNT(*) FROM changes WHERE branch=? AND seq<=? AND path IN"
                f" ({','.join('?' * len(chunk))}) GROUP BY path", (branch, max_seq, *chunk)))
        return counts

    def log(self, branch: str, max_seq: int, *, before_seq: int | None, limit: int,
            prefix: str = "", author: str | None = None, since: int | None = None,
            until: int | None = None, operation: str | None = None
            ) -> list[tuple[int, CommitMeta]]:
        """First-parent commits of ``branch`` newest first, filtered; (seq, meta) pairs."""
        where = ["k.branch=?", "k.seq<=?"]
        args: list[object] = [branch, max_seq if before_seq is None else min(max_seq, before_seq - 1)]
        if prefix:
            low, high = _prefix_range(prefix)
            where.append("EXISTS(SELECT 1 FROM changes ch WHERE ch.branch=k.branch AND ch.seq=k.seq"
                         " AND (ch.path=? OR (ch.path>=? AND ch.path<?)))")
            args += [prefix, low, high]
        if author:
            where.append("(c.author_email=? OR c.author_name=?)")
            args += [author, author]
        if since is not None:
            where.append("c.time>=?")
            args.append(since)
        if until is not None:
            where.append("c.time<?")
            args.append(until)
        if operation:
            where.append("c.operation=?")
            args.append(operation)
        rows = self.db.execute(
            f"SELECT k.seq, {self._META} FROM chain k JOIN commits c ON c.id=k.commit_id"
            f" WHERE {' AND '.join(where)} ORDER BY k.seq DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [(r[0], CommitMeta(*r[1:])) for r in rows]

    def paths_changed(self, branch: str, seq: int) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT path FROM changes WHERE branch=? AND seq=? ORDER BY path", (branch, seq))]

    # --- writes (callers hold the store's writer lock) -----------------------------------------
    def append(self, branch: str, commits: Iterable[IndexedCommit], *,
               base: tuple[str, int] | None, start_seq: int) -> None:
        """Make ``branch`` = rows of ``base`` (branch, up to seq) + ``commits`` (oldest first).

        ``base`` None with ``start_seq`` > 0 keeps the branch's own rows up to ``start_seq``.
        """
        with self._tx() as db:
            if base is not None and base[0] != branch:
                self._drop(db, branch)
                db.execute("INSERT INTO chain SELECT ?, seq, commit_id FROM chain"
                           " WHERE branch=? AND seq<=?", (branch, base[0], base[1]))
                db.execute("INSERT INTO changes SELECT ?, path, seq, blob FROM changes"
                           " WHERE branch=? AND seq<=?", (branch, base[0], base[1]))
            else:
                db.execute("DELETE FROM chain WHERE branch=? AND seq>?", (branch, start_seq))
                db.execute("DELETE FROM changes WHERE branch=? AND seq>?", (branch, start_seq))
            seq = start_seq
            head: str | None = None
            for item in commits:
                seq += 1
                m = item.meta
                head = m.commit_id
                db.execute("INSERT OR IGNORE INTO commits VALUES(?,?,?,?,?,?,?)",
                           (m.commit_id, m.author_name, m.author_email, m.time, m.message,
                            m.operation, m.request_id))
                db.execute("INSERT INTO chain VALUES(?,?,?)", (branch, seq, m.commit_id))
                db.executemany("INSERT INTO changes VALUES(?,?,?,?)",
                               [(branch, p, seq, b) for p, b in item.changes])
            if head is None:
                head = db.execute("SELECT commit_id FROM chain WHERE branch=? AND seq=?",
                                  (branch, seq)).fetchone()[0]
            db.execute("INSERT OR REPLACE INTO heads VALUES(?,?,?)", (branch, head, seq))

    def drop_branch(self, branch: str) -> None:
        with self._tx() as db:
            self._drop(db, branch)

    @staticmethod
    def _drop(db: sqlite3.Connection, branch: str) -> None:
        for table in ("heads", "chain", "changes"):
            db.execute(f"DELETE FROM {table} WHERE branch=?", (branch,))


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
