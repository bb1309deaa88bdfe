"""Registered clusters' credentials, sealed with the store key, in the state database: the
SQLite file `credentials.db` in the data directory, or PostgreSQL shared by every replica
(`database_url`), so a follower that becomes the leader reaches every cluster registered through
any replica. The registration itself is in git (the inventory has history); credentials never
are: deleting a cluster must be able to destroy them.

Values are sealed by the caller (ClusterRegistry) with the store key, bound to the cluster id, so
a database dump reveals no kubeconfig. SQLite runs with `secure_delete`, so a removed row is
overwritten in the file; PostgreSQL keeps dead rows until VACUUM (still sealed).

Installs from before this table kept one sealed file per cluster in `credentials/`; they are
moved in on start (same sealing) and the files destroyed. Likewise, a server given a
`database_url` moves the rows of its data directory's `credentials.db` into PostgreSQL and
removes the file, so a single-replica install that moves to PostgreSQL keeps reaching its
clusters.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from server.state import Database, Schema

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS cluster_credentials (
    cluster TEXT PRIMARY KEY,
    sealed {blob} NOT NULL,
    updated_at {real} NOT NULL
);
"""]

_LEGACY_SUFFIX = ".kubeconfig.enc"


def destroy_file(target: Path) -> None:
    """Overwrites, then removes: a sealed credential is not left readable on disk."""
    target.write_bytes(os.urandom(target.stat().st_size))
    target.unlink()


SCHEMA = Schema("credentials", "credentials.db", MIGRATIONS, ("cluster_credentials",))


class CredentialStore:
    FILE = SCHEMA.file
    LEGACY_DIR = "credentials"

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        if self._db.dialect.name == "sqlite":
            self._db.execute("PRAGMA secure_delete=ON")
        self._db.adopt(SCHEMA)
        self._import_legacy(data_dir / self.LEGACY_DIR)
        if database_url:
            self._import_sqlite(data_dir / self.FILE)

    def _import_legacy(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for file in sorted(folder.glob(f"*{_LEGACY_SUFFIX}")):
            cluster = file.name.removesuffix(_LEGACY_SUFFIX)
            # A row already there (another replica's, newer) wins over an old file.
            self._db.execute("INSERT INTO cluster_credentials (cluster, sealed, updated_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (cluster) DO NOTHING", (cluster, file.read_bytes(), time.time()))
            destroy_file(file)
        if not any(folder.iterdir()):
            folder.rmdir()

    def _import_sqlite(self, path: Path) -> None:
        if not path.exists():
            return
        local = Database.open("", path)
        try:
            local.adopt(SCHEMA)  # a file from before the table has none
            rows = local.execute("SELECT cluster, sealed, updated_at FROM cluster_credentials").fetchall()
        finally:
            local.close()
        # A row already there (another replica's, newer) wins over this directory's.
        self._db.executemany("INSERT INTO cluster_credentials (cluster, sealed, updated_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (cluster) DO NOTHING", [(c, bytes(v), t) for c, v, t in rows])
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if leftover.exists():
                destroy_file(leftover)

    def read(self, cluster: str) -> bytes | None:
        row = self._db.execute("SELECT sealed FROM cluster_credentials WHERE cluster = ?", (cluster,)).fetchone()
        return bytes(row[0]) if row else None

    def write(self, cluster: str, sealed: bytes) -> None:
        self._db.execute("INSERT INTO cluster_credentials (cluster, sealed, updated_at) VALUES (?, ?, ?)"
                         " ON CONFLICT (cluster) DO UPDATE SET sealed = excluded.sealed,"
                         " updated_at = excluded.updated_at", (cluster, sealed, time.time()))

    def delete(self, cluster: str) -> None:
        self._db.execute("DELETE FROM cluster_credentials WHERE cluster = ?", (cluster,))

    def close(self) -> None:
        self._db.close()
