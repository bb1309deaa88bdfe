"""Registered clusters: who they are (in git, so the inventory has history), how to reach them
(kubeconfig encrypted with the store key, never in git: in the state database, shared by the
replicas when `database_url` is set; server/security/credentials.py), and how they are doing
(reachability, in the same state database: `ClusterStates`).

Nothing is half-registered: the credentials are written first and removed again if the
registration commit fails; deleting destroys the credentials and commits the removal, while the
cluster's history stays in git.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gitstore import Change, StoreKey
from server import context
from server.errors import Aborted, AlreadyExists, NotFound
from server.kube.kubeconfig import Kubeconfig, parse_kubeconfig
from server.security.credentials import SealedTable
from server.state import Database, Schema
from server.storage import Storage

PROVIDERS = ("aws", "aliyun", "huawei", "tencent", "other")
STATES = ("connected", "disconnected", "error")


def registration_path(cluster: str) -> str:
    return f"clusters/{cluster}/cluster.yaml"


@dataclass
class ClusterRecord:
    id: str
    display_name: str = ""
    provider: str = "other"
    region: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    context: str = ""
    server: str = ""
    server_version: str = ""
    created_by: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    # Volatile state, kept out of git.
    state: str = "disconnected"
    state_message: str = ""
    node_count: int = 0
    last_sync_time: datetime | None = None
    resource_count: int = 0
    etag: str = ""

    def document(self) -> dict[str, Any]:
        """The registration as committed: a kubecommit-owned kind, readable in a clone."""
        return {
            "apiVersion": "kubecommit.io/v1",
            "kind": "Cluster",
            "metadata": {"name": self.id},
            "spec": {
                "displayName": self.display_name, "provider": self.provider, "region": self.region,
                "tags": dict(self.tags), "description": self.description, "context": self.context,
                "server": self.server,
            },
            "status": {
                "serverVersion": self.server_version, "createdBy": self.created_by,
                "createTime": _iso(self.create_time), "updateTime": _iso(self.update_time),
            },
        }

    @classmethod
    def from_document(cls, data: dict[str, Any], etag: str) -> "ClusterRecord":
        spec, status = data.get("spec") or {}, data.get("status") or {}
        return cls(
            id=data["metadata"]["name"], display_name=spec.get("displayName", ""),
            provider=spec.get("provider", "other"), region=spec.get("region", ""),
            tags=dict(spec.get("tags") or {}), description=spec.get("description", ""),
            context=spec.get("context", ""), server=spec.get("server", ""),
            server_version=status.get("serverVersion", ""), created_by=status.get("createdBy", ""),
            create_time=_parse(status.get("createTime")), update_time=_parse(status.get("updateTime")),
            etag=etag,
        )


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when else ""


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# Numbered migrations (server/state): append, never edit one that shipped. The first is the table
# `clusters.sqlite` always had (so an existing file adopts it as version 1).
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS cluster_state (
    cluster TEXT PRIMARY KEY, state TEXT, message TEXT, node_count INTEGER,
    last_sync TEXT, resource_count INTEGER);
"""]
# Column of the table per field of ClusterRecord.
_COLUMNS = {"state": "state", "state_message": "message", "node_count": "node_count",
            "last_sync_time": "last_sync", "resource_count": "resource_count"}


SCHEMA = Schema("clusters", "clusters.sqlite", MIGRATIONS, ("cluster_state",))


class ClusterStates:
    """Reachability and sync bookkeeping: changes often, so it stays out of git. In the state
    database (server/state): `clusters.sqlite` in the data directory, or the PostgreSQL database
    the replicas share, so every replica answers with the last state any of them observed (the
    leader's health job, or any replica's call that reached the cluster or failed to)."""

    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)

    def read(self, cluster: str) -> dict[str, Any]:
        row = self._db.execute(
            "SELECT state, message, node_count, last_sync, resource_count FROM cluster_state "
            "WHERE cluster = ?", (cluster,)).fetchone()
        if row is None:
            return {}
        return {"state": row[0], "state_message": row[1], "node_count": row[2],
                "last_sync_time": _parse(row[3]), "resource_count": row[4]}

    def write(self, cluster: str, **values: Any) -> None:
        """Merges `values` into the row in one statement, so concurrent writers of different
        fields (a sync's counts on one replica, a health check's state on another) lose nothing."""
        row = {"state": "disconnected", "state_message": "", "node_count": 0, "last_sync_time": None,
               "resource_count": 0}
        given = [_COLUMNS[name] for name in values]
        row.update(values)
        row["last_sync_time"] = _iso(row["last_sync_time"])
        merge = ("DO UPDATE SET " + ", ".join(f"{column} = excluded.{column}" for column in given)) if given \
            else "DO NOTHING"
        self._db.execute(
            f"INSERT INTO cluster_state (cluster, {', '.join(_COLUMNS.values())}) VALUES (?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (cluster) {merge}", (cluster, *(row[name] for name in _COLUMNS)))

    def counts(self) -> list[tuple[str, int]]:
        """(state, number of clusters in it), for the metrics endpoint."""
        return [(state, count) for state, count in
                self._db.execute("SELECT state, COUNT(*) FROM cluster_state GROUP BY state").fetchall()]

    def drop(self, cluster: str) -> None:
        self._db.execute("DELETE FROM cluster_state WHERE cluster = ?", (cluster,))

    def close(self) -> None:
        self._db.close()


class ClusterRegistry:
    def __init__(self, storage: Storage, key: StoreKey, data_dir: Path, credentials: SealedTable,
                 allow_exec_credentials: bool = False, database_url: str = "") -> None:
        self.storage = storage
        self.store = storage.sync
        self.key = key
        self.allow_exec_credentials = allow_exec_credentials
        self._credentials = credentials  # CredentialStore.clusters, closed by its owner
        self._state = ClusterStates(data_dir, database_url)
        # Registration changes touch two places (the credentials file, then a commit) and undo the
        # first when the second fails; one at a time, or a losing writer would undo the winner's
        # credentials (two creates of one id, two updates from one etag).
        self._changing = threading.Lock()

    # -- credentials ------------------------------------------------------------------------

    def _write_credentials(self, cluster: str, kubeconfig: Kubeconfig) -> None:
        self._write_sealed(cluster, self.key.encrypt(kubeconfig.text.encode(), f"kubeconfig:{cluster}".encode()))

    def _write_sealed(self, cluster: str, sealed: bytes) -> None:
        self._credentials.write(cluster, sealed)

    def _destroy_credentials(self, cluster: str) -> None:
        self._credentials.delete(cluster)

    def _read_kubeconfig(self, cluster: str) -> Kubeconfig:
        sealed = self._credentials.read(cluster)
        if sealed is None:
            raise NotFound(f"cluster clusters/{cluster} is not registered", "CLUSTER_NOT_FOUND",
                           metadata={"cluster": cluster})
        record = self._get(cluster)
        text = self.key.decrypt(sealed, f"kubeconfig:{cluster}".encode()).decode()
        return parse_kubeconfig(text, record.context, allow_exec=self.allow_exec_credentials)

    async def kubeconfig(self, cluster: str) -> Kubeconfig:
        """The decrypted kubeconfig; only the cluster-access layer should ask for it."""
        return await self.storage.run(self._read_kubeconfig, cluster)

    # -- registrations -----------------------------------------------------------------------

    def _get(self, cluster: str) -> ClusterRecord:
        try:
            document = self.store.read(registration_path(cluster))
        except NotFound:
            raise NotFound(f"cluster clusters/{cluster} is not registered", "CLUSTER_NOT_FOUND",
                           metadata={"cluster": cluster}) from None
        record = ClusterRecord.from_document(document.data, document.etag)
        return replace(record, **self._state.read(cluster))

    async def get(self, cluster: str) -> ClusterRecord:
        return await self.storage.run(self._get, cluster)

    def _list(self) -> list[ClusterRecord]:
        ids = sorted({p.split("/")[1] for p in self.store.list_paths("clusters")
                      if p.endswith("/cluster.yaml") and p.count("/") == 2})
        return [self._get(cluster) for cluster in ids]

    async def list(self) -> list[ClusterRecord]:
        return await self.storage.run(self._list)

    def _registrations(self) -> dict[str, str]:
        return {p.split("/")[1]: self.store.read(p).etag for p in self.store.list_paths("clusters")
                if p.endswith("/cluster.yaml") and p.count("/") == 2}

    async def registrations(self) -> dict[str, str]:
        """Cluster id -> etag of its registration (it changes with every update, credentials too)."""
        return await self.storage.run(self._registrations)

    def _commit(self, record: ClusterRecord, message: str, expected: dict[str, str | None] | None) -> ClusterRecord:
        path = registration_path(record.id)
        info = self.store.commit(
            [Change.put(path, record.document())], author=context.commit_author(), message=message,
            operation="apply", request_id=context.commit_request_id(), expected=expected)
        etag = info.etags[path] if info else record.etag
        return replace(record, etag=etag or "")

    def _check_absent(self, cluster: str) -> None:
        if self.store.exists(registration_path(cluster)):
            raise AlreadyExists(f"cluster clusters/{cluster} already exists", "CLUSTER_EXISTS",
                                metadata={"cluster": cluster})

    async def check_absent(self, cluster: str) -> None:
        """ALREADY_EXISTS when the id is taken."""
        await self.storage.run(self._check_absent, cluster)

    def _create(self, record: ClusterRecord, kubeconfig: Kubeconfig) -> ClusterRecord:
        with self._changing:
            return self._create_locked(record, kubeconfig)

    def _create_locked(self, record: ClusterRecord, kubeconfig: Kubeconfig) -> ClusterRecord:
        self._check_absent(record.id)
        self._write_credentials(record.id, kubeconfig)
        try:
            saved = self._commit(record, f"Register cluster {record.id}", {registration_path(record.id): None})
        except BaseException:
            self._destroy_credentials(record.id)
            raise
        self._state.write(record.id, state=record.state, state_message=record.state_message,
                          node_count=record.node_count)
        return replace(saved, **self._state.read(record.id))

    async def create(self, record: ClusterRecord, kubeconfig: Kubeconfig) -> ClusterRecord:
        return await self.storage.run(self._create, record, kubeconfig)

    def _update(self, record: ClusterRecord, kubeconfig: Kubeconfig | None, expected: str) -> ClusterRecord:
        """A replaced kubeconfig is written first and put back if the commit fails (a stale etag),
        so credentials and registration never disagree."""
        with self._changing:
            return self._update_locked(record, kubeconfig, expected)

    def _update_locked(self, record: ClusterRecord, kubeconfig: Kubeconfig | None, expected: str) -> ClusterRecord:
        previous = self._credentials.read(record.id) if kubeconfig is not None else None
        if kubeconfig is not None:
            self._write_credentials(record.id, kubeconfig)
        try:
            saved = self._commit(record, f"Update cluster {record.id}",
                                 {registration_path(record.id): expected} if expected else None)
        except BaseException:
            if previous is not None:
                self._write_sealed(record.id, previous)
            elif kubeconfig is not None:
                self._destroy_credentials(record.id)
            raise
        self._state.write(record.id, state=record.state, state_message=record.state_message,
                          node_count=record.node_count)
        return replace(saved, **self._state.read(record.id))

    async def update(self, record: ClusterRecord, kubeconfig: Kubeconfig | None = None,
                     expected_etag: str = "") -> ClusterRecord:
        """Commits the changed registration; `expected_etag` guards against lost updates."""
        return await self.storage.run(self._update, record, kubeconfig, expected_etag)

    def _delete(self, cluster: str, expected: str) -> None:
        with self._changing:
            self._delete_locked(cluster, expected)

    def _delete_locked(self, cluster: str, expected: str) -> None:
        record = self._get(cluster)
        if expected and expected != record.etag:
            raise Aborted(f"cluster clusters/{cluster} changed since etag {expected}", "ETAG_MISMATCH",
                          metadata={"etag": record.etag})
        path = registration_path(cluster)
        self.store.commit([Change.delete(path)], author=context.commit_author(),
                          message=f"Remove cluster {cluster}", operation="delete",
                          request_id=context.commit_request_id(), expected={path: record.etag})
        self._destroy_credentials(cluster)
        self._state.drop(cluster)

    async def delete(self, cluster: str, expected_etag: str = "") -> None:
        await self.storage.run(self._delete, cluster, expected_etag)

    async def set_state(self, cluster: str, **values: Any) -> None:
        """Volatile state (reachability, counts, last sync) in the state database, not in git."""
        await asyncio.to_thread(self._state.write, cluster, **values)

    def state_counts(self) -> list[tuple[str, int]]:
        return self._state.counts()

    def close(self) -> None:
        self._state.close()
