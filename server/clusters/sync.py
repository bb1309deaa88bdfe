"""SyncCluster: the cluster's desired state, snapshotted into the store as ONE commit.

Every listable kind is read (paginated, a few kinds at a time), normalized (server-managed fields
stripped), and written at its resource-name path; store files of objects that no longer exist in
the synced kinds are deleted in the same commit. An unchanged cluster makes no commit. Kinds that
could not be read are reported and their files left alone, so a partial read never deletes.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import gitstore
from gitstore import Change, Store
from server import context
from server.clusters.model import SyncProgress, SyncResult, object_name
from server.clusters.operations import Operations
from server.clusters.inventory import list_all, listable
from server.registry import ClusterRegistry, now
from server.errors import Aborted, InvalidArgument, KubecommitError
from server.kube import ApiResource, ClusterPool, normalize
from server.names import ResourceName, cluster_name
from server.storage import Storage, invalid_path

READ_CONCURRENCY = 4


@dataclass
class Snapshot:
    """What the read phase gathered."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # type -> live objects
    errors: dict[str, str] = field(default_factory=dict)  # type -> why it could not be read
    # The cluster's documents in the store (path -> etag) before the read began: the commit is
    # guarded by them, so an apply that lands while the cluster is read is never overwritten.
    before: dict[str, str] = field(default_factory=dict)


def _check_types(values: list[str], field_name: str) -> list[str]:
    for value in values:
        if not value.strip():
            raise InvalidArgument.field(field_name, "resource types must not be empty")
    return values


async def _read(connection: Any, kinds: list[ApiResource]) -> AsyncIterator[tuple[ApiResource, list | KubecommitError]]:
    """Each kind's objects (or its error) as it finishes, a few kinds in flight at a time."""
    gate = asyncio.Semaphore(READ_CONCURRENCY)

    async def one(rt: ApiResource) -> tuple[ApiResource, list | KubecommitError]:
        async with gate:
            try:
                return rt, await list_all(connection, rt)
            except KubecommitError as error:
                return rt, error

    for task in asyncio.as_completed([one(rt) for rt in kinds]):
        yield await task



def write_snapshot(store: Store, cluster: str, kinds: list[ApiResource], snapshot: Snapshot,
                   include_status: bool, message: str) -> tuple[gitstore.CommitInfo | None, int, int]:
    """Builds the changes and commits them (runs in a worker thread: CPU and disk)."""
    puts: dict[str, dict[str, Any]] = {}
    by_type = {rt.type: rt for rt in kinds}
    for type_name, items in snapshot.objects.items():
        for obj in items:
            path = object_name(cluster, by_type[type_name], obj).store_path
            refused = invalid_path(path)
            if refused:
                snapshot.errors[type_name] = f"object not stored: {refused}"
                continue
            puts[path] = normalize(obj, include_status)
    synced = set(snapshot.objects) - set(snapshot.errors)
    deletes = []
    for path in snapshot.before:
        if path in puts or path.count("/") < 3:  # clusters/{c}/cluster.yaml is the registration
            continue
        try:
            resource = ResourceName.from_store_path(path).resource
        except InvalidArgument:
            continue
        if resource in synced:
            deletes.append(path)
    changes = [Change.put(p, d) for p, d in puts.items()] + [Change.delete(p) for p in deletes]
    if not changes:
        return None, 0, 0
    try:
        info = store.commit(changes, author=context.commit_author(), message=message, operation="sync",
                            request_id=context.commit_request_id(),
                            expected={c.path: snapshot.before.get(c.path) for c in changes})
    except Aborted as error:
        raise Aborted(f"{error.metadata.get('subject', '')} changed in the store while cluster {cluster} was being read "
                      "(a concurrent apply or sync); nothing was committed, sync again",
                      "SYNC_RACED", metadata={"path": error.metadata.get("subject", "")}) from None
    if info is None:
        return None, 0, 0
    deleted = sum(1 for etag in info.etags.values() if etag is None)
    return info, len(info.paths) - deleted, deleted


class Syncer:
    """Snapshots a cluster's objects into the store."""

    def __init__(self, storage: Storage, registry: ClusterRegistry, pool: ClusterPool, operations: Operations) -> None:
        self.storage = storage
        self.registry = registry
        self.pool = pool
        self.operations = operations

    async def sync(self, name: str, *, include: list[str], exclude: list[str], include_status: bool,
                   message: str) -> AsyncIterator[SyncProgress | SyncResult]:
        """Progress events, then one result."""
        record = await self.operations.get(name)
        cluster = record.id
        include = _check_types(include, "include_resources")
        exclude = _check_types(exclude, "exclude_resources")
        context.current().targets.append(cluster_name(cluster))
        connection = await self.pool.get(cluster)
        started = time.monotonic()
        try:
            kinds = listable(await connection.resources(refresh=True), include, exclude)
        except KubecommitError as error:
            await self.registry.set_state(cluster, state="disconnected", state_message=error.message)
            raise
        yield SyncProgress("discover", f"{len(kinds)} resource types to read", len(kinds), len(kinds))
        snapshot = Snapshot(before=await self.storage.run(self.storage.sync.etags, f"clusters/{cluster}"))
        done = 0
        async for rt, result in _read(connection, kinds):
            done += 1
            if isinstance(result, KubecommitError):
                snapshot.errors[rt.type] = result.message
                yield SyncProgress("read", f"{rt.type}: {result.message}", done, len(kinds))
                continue
            snapshot.objects[rt.type] = result
            yield SyncProgress("read", f"{rt.type}: {len(result)} objects", done, len(kinds))
        read_seconds = time.monotonic() - started
        total = sum(len(items) for items in snapshot.objects.values())
        yield SyncProgress("write", f"{total} objects", 0, total)
        started = time.monotonic()
        message = message or f"Sync cluster {cluster}: {total} objects of {len(snapshot.objects)} types"
        info, written, deleted = await self.storage.run(write_snapshot, self.storage.sync, cluster, kinds,
                                                        snapshot, include_status, message)
        write_seconds = time.monotonic() - started
        await self.registry.set_state(cluster, state="connected", state_message="", last_sync_time=now(),
                                      resource_count=total)
        yield SyncResult(
            commit=info.commit_id if info else "", resources_discovered=len(kinds), objects_read=total,
            objects_written=written, objects_deleted=deleted,
            objects_by_type={t: len(items) for t, items in snapshot.objects.items()}, errors=snapshot.errors,
            read_seconds=read_seconds, write_seconds=write_seconds)
