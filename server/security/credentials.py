"""Secrets the server must keep but git must not: registered clusters' credentials and
notification channels' signing secrets, sealed with the store key, in the state database: the
SQLite file `credentials.db` in the data directory, or PostgreSQL shared by every replica
(`database_url`), so a follower that becomes the leader reaches every cluster and signs for every
channel created through any replica. The registration and the channel are in git (they have
history); their secrets never are: deleting either must be able to destroy them.

Values are sealed by their owner (ClusterRegistry, AlertingConfig) with the store key, bound to
their name, so a database dump reveals no kubeconfig and no signing key. SQLite runs with
`secure_delete`, so a removed row is overwritten in the file; PostgreSQL keeps dead rows until
VACUUM (still sealed).

Older installs kept one file per secret: `credentials/<cluster>.kubeconfig.enc` (sealed) and
`channels/<channel>.key` (plain, 0600). Cluster files are moved in here on open; channel files
by their owner, which seals them first. Likewise, a server given a `database_url` moves the rows
of its data directory's `credentials.db` into PostgreSQL and removes the file, so a
single-replica install that moves to PostgreSQL keeps reaching its clusters and signing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from server.state import Database, Executor, Schema

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS cluster_credentials (
    cluster TEXT PRIMARY KEY,
    sealed {blob} NOT NULL,
    updated_at {real} NOT NULL
);
""", """
CREATE TABLE IF NOT EXISTS channel_secrets (
    channel TEXT PRIMARY KEY,
    sealed {blob} NOT NULL,
    updated_at {real} NOT NULL
);
"""]

_LEGACY_SUFFIX = ".kubeconfig.enc"


def destroy_file(target: Path) -> None:
    """Overwrites, then removes: a secret is not left readable on disk."""
    target.write_bytes(os.urandom(target.stat().st_size))
    target.unlink()


SCHEMA = Schema("credentials", "credentials.db", MIGRATIONS, ("cluster_credentials", "channel_secrets"))


class SealedTable:
    """Sealed values by name, in one table of the schema above."""

    def __init__(self, db: Database, table: str, key: str) -> None:
        self._db, self._table, self._key = db, table, key

    def read(self, name: str) -> bytes | None:
        row = self._db.execute(f"SELECT sealed FROM {self._table} WHERE {self._key} = ?", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def write(self, name: str, sealed: bytes) -> None:
        self._db.execute(f"INSERT INTO {self._table} ({self._key}, sealed, updated_at) VALUES (?, ?, ?)"
                         f" ON CONFLICT ({self._key}) DO UPDATE SET sealed = excluded.sealed,"
                         " updated_at = excluded.updated_at", (name, sealed, time.time()))

    def delete(self, name: str) -> None:
        self._db.execute(f"DELETE FROM {self._table} WHERE {self._key} = ?", (name,))

    def rows(self, db: Executor | None = None) -> list[tuple[str, bytes, float]]:
        return [(n, bytes(v), t) for n, v, t in
                (db or self._db).execute(f"SELECT {self._key}, sealed, updated_at FROM {self._table}").fetchall()]

    def adopt(self, rows: list[tuple[str, bytes, float]]) -> None:
        """Moved in from elsewhere: a row already here (another replica's, newer) wins."""
        self._db.executemany(f"INSERT INTO {self._table} ({self._key}, sealed, updated_at) VALUES (?, ?, ?)"
                             f" ON CONFLICT ({self._key}) DO NOTHING", rows)


class CredentialStore:
    FILE = SCHEMA.file
    LEGACY_DIR = "credentials"

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        if self._db.dialect.name == "sqlite":
            self._db.execute("PRAGMA secure_delete=ON")
        self._db.adopt(SCHEMA)
        self.clusters = SealedTable(self._db, "cluster_credentials", "cluster")
        self.channels = SealedTable(self._db, "channel_secrets", "channel")
        self._import_legacy(data_dir / self.LEGACY_DIR)
        if database_url:
            self._import_sqlite(data_dir / self.FILE)

    def _import_legacy(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for file in sorted(folder.glob(f"*{_LEGACY_SUFFIX}")):
            self.clusters.adopt([(file.name.removesuffix(_LEGACY_SUFFIX), file.read_bytes(), time.time())])
            destroy_file(file)
        if not any(folder.iterdir()):
            folder.rmdir()

    def _import_sqlite(self, path: Path) -> None:
        if not path.exists():
            return
        local = Database.open("", path)
        try:
            local.adopt(SCHEMA)  # a file from before a table has none
            moved = [(table, table.rows(local)) for table in (self.clusters, self.channels)]
        finally:
            local.close()
        for table, rows in moved:
            table.adopt(rows)
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if leftover.exists():
                destroy_file(leftover)

    def close(self) -> None:
        self._db.close()
