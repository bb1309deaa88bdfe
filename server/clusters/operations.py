"""Registering, changing and forgetting clusters, and testing their connections.

A kubeconfig is vetted (server.kube.kubeconfig) and, unless the caller accepts a disconnected
cluster, proven to work before anything is kept: a registration that cannot reach its cluster is
refused with the reason, and nothing of it is left behind.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from server import context
from server.clusters.model import ClusterSpec
from server.registry import ClusterRecord, ClusterRegistry, now
from server.errors import Aborted, FailedPrecondition, FieldViolation, InvalidArgument, KubecommitError, NotFound
from server.kube import ClusterPool, Kubeconfig, parse_kubeconfig
from server.kube.connection import ClusterConnection
from server.names import check_dns_label, cluster_name, parse_cluster
from server.security import scope

# Registration fields an update may change (update_mask paths).
MUTABLE_FIELDS = ("display_name", "provider", "region", "tags", "description", "kubeconfig", "context")


@dataclass(frozen=True)
class Probe:
    """What one connection attempt found."""

    connected: bool
    latency: float = 0.0
    server_version: str = ""
    node_count: int = 0
    error: KubecommitError | None = None


async def probe(connection: ClusterConnection, timeout: float | None = None) -> Probe:
    """Version (its round trip is the latency) and node count. The node list needs credentials
    even where /version is public, so a wrong token shows here."""
    try:
        started = time.monotonic()
        version = await connection.version(timeout=timeout)
        latency = time.monotonic() - started
        nodes = await connection.request("GET", "/api/v1/nodes", query={"limit": 500}, timeout=timeout)
    except KubecommitError as error:
        return Probe(False, error=error)
    count = len(nodes.get("items") or []) + int((nodes.get("metadata") or {}).get("remainingItemCount") or 0)
    return Probe(True, latency, str(version.get("gitVersion", "")), count)


def refused(cluster: str, result: Probe) -> FailedPrecondition:
    """A kubeconfig that cannot connect, with the cluster's reason kept (CLUSTER_UNREACHABLE,
    CLUSTER_TLS_ERROR, CLUSTER_UNAUTHORIZED, ...)."""
    error = result.error
    assert error is not None
    return FailedPrecondition(
        f"cannot connect to clusters/{cluster}: {error.message} (pass allow_disconnected to register it anyway)",
        error.reason, [FieldViolation("cluster.kubeconfig", error.message)], metadata={"cluster": cluster})


def _state(result: Probe) -> dict[str, object]:
    if result.connected:
        return {"state": "connected", "state_message": "", "node_count": result.node_count}
    assert result.error is not None
    return {"state": "disconnected", "state_message": result.error.message}


def check_visible(cluster_id: str) -> str:
    """A cluster outside the caller's scope reads as not registered (its existence is not told);
    the auth interceptor refuses named ones earlier, this also covers names inside requests."""
    if not scope.visible(context.current().caller, cluster_id):
        raise NotFound(f"cluster clusters/{cluster_id} is not registered", "CLUSTER_NOT_FOUND",
                       metadata={"cluster": cluster_id})
    return cluster_id


def visible(records: Iterable[ClusterRecord]) -> list[ClusterRecord]:
    """The clusters the caller may see: all, unless its credential is narrowed to some (RPCs
    that span clusters are narrowed here, by the service)."""
    caller = context.current().caller
    return [r for r in records if scope.visible(caller, r.id)]


class Operations:
    """Registering, changing, testing and reading clusters."""

    def __init__(self, registry: ClusterRegistry, pool: ClusterPool) -> None:
        self.registry = registry
        self.pool = pool

    async def probe_kubeconfig(self, cluster: str, kubeconfig: Kubeconfig) -> Probe:
        """Tests credentials that are not registered (yet) on a throwaway connection."""
        connection = await asyncio.to_thread(self.pool.connect, cluster, kubeconfig)
        try:
            return await probe(connection)
        finally:
            connection.close()

    async def create(self, cluster_id: str, cluster: ClusterSpec, *,
                     validate_only: bool, allow_disconnected: bool) -> ClusterRecord:
        check_dns_label(cluster_id, "cluster_id", "cluster")
        kubeconfig = await asyncio.to_thread(parse_kubeconfig, cluster.kubeconfig, cluster.context,
                                             self.registry.allow_exec_credentials)
        await self.registry.check_absent(cluster_id)  # before a slow connection test
        result = await self.probe_kubeconfig(cluster_id, kubeconfig)
        if not result.connected and not allow_disconnected:
            raise refused(cluster_id, result)
        when = now()
        record = ClusterRecord(
            id=cluster_id, display_name=cluster.display_name or cluster_id, provider=cluster.provider or "other",
            region=cluster.region, tags=dict(cluster.tags), description=cluster.description,
            context=kubeconfig.context, server=kubeconfig.server, server_version=result.server_version,
            created_by=context.current().caller.name, create_time=when, update_time=when, **_state(result))
        if validate_only:
            return record
        context.current().targets.append(cluster_name(cluster_id))
        return await self.registry.create(record, kubeconfig)

    async def update(self, cluster: ClusterSpec, mask: Sequence[str]) -> ClusterRecord:
        """Changes the fields named by `mask` (when empty: those set in `cluster`). A new kubeconfig or
        context is tested first and refused if it cannot connect; the pooled connection is replaced."""
        current = await self.get(cluster.name, "cluster.name")
        cluster_id = current.id
        if cluster.etag and cluster.etag != current.etag:
            raise Aborted(f"clusters/{cluster_id} changed since etag {cluster.etag}", "ETAG_MISMATCH",
                          metadata={"etag": current.etag})
        paths = list(mask) or [f for f in MUTABLE_FIELDS if getattr(cluster, f)]
        unknown = [p for p in paths if p not in MUTABLE_FIELDS]
        if unknown:
            raise InvalidArgument.field("update_mask", f"cannot update {', '.join(unknown)} (updatable: "
                                                       f"{', '.join(MUTABLE_FIELDS)})")
        changes: dict[str, object] = {}
        for path in paths:
            if path == "provider":
                changes["provider"] = cluster.provider or "other"
            elif path == "tags":
                changes["tags"] = dict(cluster.tags)
            elif path not in ("kubeconfig", "context"):
                changes[path] = getattr(cluster, path)
        kubeconfig = None
        if "kubeconfig" in paths or "context" in paths:
            text = cluster.kubeconfig if "kubeconfig" in paths else (await self.registry.kubeconfig(cluster_id)).text
            # A new kubeconfig brings its own current-context unless a context is named too.
            context_name = cluster.context if "context" in paths else "" if "kubeconfig" in paths else current.context
            kubeconfig = await asyncio.to_thread(parse_kubeconfig, text, context_name,
                                                 self.registry.allow_exec_credentials)
            result = await self.probe_kubeconfig(cluster_id, kubeconfig)
            if not result.connected:
                raise refused(cluster_id, result)
            changes.update(context=kubeconfig.context, server=kubeconfig.server,
                           server_version=result.server_version, **_state(result))
        record = replace(current, **changes, update_time=now())
        context.current().targets.append(cluster_name(cluster_id))
        saved = await self.registry.update(record, kubeconfig, current.etag)
        if kubeconfig is not None:
            self.pool.forget(cluster_id)
        return saved

    async def delete(self, name: str, etag: str) -> None:
        """Forgets the cluster: registration removed in a commit, credentials destroyed, connection
        closed. Its history (and what syncs recorded) stays in git."""
        cluster_id = check_visible(parse_cluster(name))
        context.current().targets.append(cluster_name(cluster_id))
        await self.registry.delete(cluster_id, etag)
        self.pool.forget(cluster_id)

    async def test(self, name: str) -> tuple[ClusterRecord, Probe]:
        """Connects through the pooled connection now and records what it found."""
        record = await self.get(name)
        result = await probe(await self.pool.get(record.id))
        await self.record_probe(record.id, result)
        return record, result

    async def record_probe(self, cluster_id: str, result: Probe) -> None:
        values = _state(result)
        await self.registry.set_state(cluster_id, **values)

    async def get(self, name: str, field: str = "name") -> ClusterRecord:
        return await self.registry.get(check_visible(parse_cluster(name, field)))

    async def list_visible(self) -> list[ClusterRecord]:
        return visible(await self.registry.list())
