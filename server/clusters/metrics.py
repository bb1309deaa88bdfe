"""What a cluster has and uses: capacity, allocatable, requests and limits summed from node and
pod specs (quantities parsed by the official client), live usage from metrics.k8s.io when the
cluster serves it, object counts, and per-kind statistics."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any, Iterable


from server.clusters.model import ClusterMetrics, ResourceStats, ResourceUsage, TypeStats
from server.clusters.operations import Operations

from server.clusters.inventory import (DEPLOYMENTS, NAMESPACES, NODES, PODS, SERVICES, list_all,
                                       listable)
from server.registry import now
from server.errors import KubecommitError
from server.kube import ApiResource, ClusterPool
from server.kube.connection import ClusterConnection
from server.kube.quantity import value_of as quantity

RESOURCES = ("cpu", "memory")
STATS_CONCURRENCY = 4


def total(maps: Iterable[dict[str, Any] | None], resource: str) -> float:
    return float(sum((quantity((m or {}).get(resource)) for m in maps), Decimal(0)))


def _percent(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _active(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pods that hold their requests: not finished."""
    return [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]


def usage_summary(nodes: list[dict[str, Any]], pods: list[dict[str, Any]],
                  node_usage: list[dict[str, Any]] | None) -> dict[str, ResourceUsage]:
    """cpu (cores) and memory (bytes): capacity, allocatable, requests, limits, usage if known."""
    containers = [c.get("resources") or {} for p in _active(pods) for c in (p.get("spec") or {}).get("containers") or []]
    out = {}
    for resource in RESOURCES:
        allocatable = total(((n.get("status") or {}).get("allocatable") for n in nodes), resource)
        requests = total((c.get("requests") for c in containers), resource)
        used = None if node_usage is None else total((m.get("usage") for m in node_usage), resource)
        out[resource] = ResourceUsage(
            capacity=total(((n.get("status") or {}).get("capacity") for n in nodes), resource),
            allocatable=allocatable, requests=requests, limits=total((c.get("limits") for c in containers), resource),
            requests_percent=_percent(requests, allocatable), usage=used,
            usage_percent=0.0 if used is None else _percent(used, allocatable))
    return out


async def node_usage(connection: ClusterConnection) -> tuple[list[dict[str, Any]] | None, str]:
    """NodeMetrics from metrics.k8s.io, or None and why not."""
    served = [r for r in await connection.resources() if r.group == "metrics.k8s.io" and r.kind == "NodeMetrics"]
    if not served:
        return None, "the cluster does not serve metrics.k8s.io (install metrics-server for CPU and memory usage)"
    try:
        return await list_all(connection, served[0]), ""
    except KubecommitError as error:
        return None, f"metrics.k8s.io did not answer: {error.message}"


def type_stats(rt: ApiResource, items: list[dict[str, Any]]) -> TypeStats:
    by_namespace = Counter((i.get("metadata") or {}).get("namespace", "") for i in items) if rt.namespaced else {}
    return TypeStats(resource=rt.type, kind=rt.kind, count=len(items), by_namespace=dict(by_namespace),
                     short_names=rt.short_names)


class Metrics:
    """Usage metrics and object counts of one cluster."""

    def __init__(self, pool: ClusterPool, operations: Operations) -> None:
        self.pool = pool
        self.operations = operations

    async def get_metrics(self, name: str) -> ClusterMetrics:
        """`clusters/{cluster}/metrics`."""
        record = await self.operations.get(name.removesuffix("/metrics"))
        connection = await self.pool.get(record.id)
        nodes, pods, services, deployments, namespaces, (usage, why) = await asyncio.gather(
            *(list_all(connection, rt) for rt in (NODES, PODS, SERVICES, DEPLOYMENTS, NAMESPACES)),
            node_usage(connection))
        summary = usage_summary(nodes, pods, usage)
        return ClusterMetrics(
            cluster=record.id, cpu=summary["cpu"], memory=summary["memory"],
            metrics_available=usage is not None, metrics_message=why or "usage from metrics.k8s.io",
            node_count=len(nodes), pod_count=len(pods), service_count=len(services),
            deployment_count=len(deployments), namespace_count=len(namespaces), collect_time=now())

    async def get_stats(self, name: str) -> ResourceStats:
        """`clusters/{cluster}/resourceStats`: counts of every listable kind (the sync's selection)."""
        record = await self.operations.get(name.removesuffix("/resourceStats"))
        connection = await self.pool.get(record.id)
        kinds = listable(await connection.resources(refresh=True))
        gate = asyncio.Semaphore(STATS_CONCURRENCY)

        async def count(rt: ApiResource) -> tuple[ApiResource, list[dict[str, Any]]]:
            async with gate:
                return rt, await list_all(connection, rt)

        results = await asyncio.gather(*(count(rt) for rt in kinds))
        pods = next((items for rt, items in results if rt.type == "pods"), [])
        phases = Counter((p.get("status") or {}).get("phase", "Unknown") for p in pods)
        types = [type_stats(rt, items) for rt, items in results]
        return ResourceStats(cluster=record.id, types=types, total_objects=sum(t.count for t in types),
                             pods_by_phase=dict(phases))
