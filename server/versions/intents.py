"""Write-ahead intents: what a write to `main` is about to do to clusters, recorded durably before
the first cluster call and cleared after its commit.

A process killed between the cluster write and the commit leaves its intent behind; on the next
start, server/versions/recovery.py compares the resources it names with their clusters and
records what reached a cluster as an import commit by the original caller. Each entry keeps the
resource name, the operation, the caller, the request id and a keyed fingerprint of the intended
document (SHA-256 of its deterministic encryption with the store key): it tells whether the live
object is exactly what was intended without holding any value, Secret data included.

Kept in the state database (server/state): SQLite `intents.db` in the data directory with
`synchronous=FULL` (an intent survives a power cut, not only a kill), or, for replicas with a
leader, the PostgreSQL database they share, so the replica that takes over from a dead leader
recovers what the old one left in flight (server/replication/ha.py runs recovery then, not at
start). Without a lease every process is the only writer of its own store, and its intents stay
in its own SQLite file even when `database_url` is set: they are about that store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from gitstore import Author, StoreKey
from server import context
from server.names import ResourceName
from server.state import Database, Schema

# Test only: with this set to 1, the process exits (os._exit, as a SIGKILL would end it) after a
# write reached a cluster and before its commit; set to `path:TEXT`, only after a write whose store
# path contains TEXT (a replica of a burst dies on one chosen write). Never set it outside tests
# (docs/configuration.md).
CRASH_ENV = "KUBECOMMIT_TEST_CRASH_AFTER_CLUSTER_WRITE"
CRASH_EXIT_CODE = 86

PUT, DELETE = "put", "delete"

# Numbered migrations (server/state): append, never edit one that shipped. The first is the
# table the SQLite file always had.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS intents (
    id TEXT PRIMARY KEY,
    created {real} NOT NULL,
    request_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    operation TEXT NOT NULL,
    entries TEXT NOT NULL
);
"""]


@dataclass(frozen=True)
class IntentEntry:
    name: str  # the resource name
    action: str  # put | delete
    # Keyed fingerprint of the intended (normalized) document; "" for a delete.
    fingerprint: str

    @property
    def resource(self) -> ResourceName:
        return ResourceName.parse(self.name)


@dataclass(frozen=True)
class Intent:
    id: str
    created: float
    request_id: str
    author: Author
    operation: str  # apply | delete | rollback | merge
    entries: tuple[IntentEntry, ...]


def crash_point(paths: Iterable[str] = ()) -> None:
    """The test hook between a cluster write and its commit of `paths` (see CRASH_ENV)."""
    armed = os.environ.get(CRASH_ENV, "")
    if armed == "1" or (armed.startswith("path:") and any(armed[5:] in path for path in paths)):
        os._exit(CRASH_EXIT_CODE)


SCHEMA = Schema("intents", "intents.db", MIGRATIONS, ("intents",))


class IntentJournal:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, key: StoreKey, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        if self._db.dialect.name == "sqlite":
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.adopt(SCHEMA)
        self._key = key
        # Raises to refuse a write to a cluster about to be made (a replica whose lease is no
        # longer fresh: server/replication/ha.py); set by the runtime of a replica with a lease.
        self.fence: Callable[[], None] | None = None

    def check_fence(self) -> None:
        """Immediately before each cluster write of a call (and so before its intent)."""
        if self.fence is not None:
            self.fence()

    def close(self) -> None:
        self._db.close()

    def fingerprint(self, document: dict[str, Any] | None) -> str:
        if document is None:
            return ""
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(self._key.encrypt_deterministic(canonical, b"kubecommit:intent")).hexdigest()

    async def begin(self, operation: str, writes: Iterable[tuple[ResourceName, dict[str, Any] | None]]) -> str:
        """Record, durably, that the current call is about to write these documents (None: delete)
        to their clusters; returns the intent id for `done`."""
        self.check_fence()
        call = context.current()
        author = context.commit_author()
        entries = [IntentEntry(str(name), DELETE if doc is None else PUT, self.fingerprint(doc))
                   for name, doc in writes]
        intent_id = uuid.uuid4().hex
        row = (intent_id, time.time(), call.request_id, author.name, author.email, operation,
               json.dumps([e.__dict__ for e in entries]))

        await asyncio.to_thread(
            self._db.execute, "INSERT INTO intents (id, created, request_id, author_name, author_email, operation,"
            " entries) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        return intent_id

    async def done(self, intent_id: str) -> None:
        """The writes are committed (or none reached a cluster): forget the intent."""
        await asyncio.to_thread(self.forget, intent_id)

    def forget(self, intent_id: str) -> None:
        self._db.execute("DELETE FROM intents WHERE id = ?", (intent_id,))

    def pending(self) -> list[Intent]:
        """Intents left by a process that stopped before their commit, oldest first."""
        rows = self._db.execute("SELECT id, created, request_id, author_name, author_email, operation, "
                                "entries FROM intents ORDER BY created").fetchall()
        return [Intent(id_, created, request_id, Author(name=name, email=email), operation,
                       tuple(IntentEntry(**e) for e in json.loads(entries)))
                for id_, created, request_id, name, email, operation, entries in rows]
