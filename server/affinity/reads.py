"""What the affinity domain reads from a cluster: nodes, pods, namespaces and budgets in one go,
and workloads by resource name."""

from __future__ import annotations

import asyncio
from typing import Any

from server.affinity import rules
from server.affinity.scheduling import Cluster
from server.errors import InvalidArgument, NotFound
from server.kube import ClusterConnection
from server.names import ResourceName


async def items(conn: ClusterConnection, resource: str, namespace: str = "", label_selector: str = "") -> list[dict]:
    rt = await conn.resolve(resource)
    listed = await conn.list_objects(rt, namespace, label_selector=label_selector)
    return list(listed.get("items") or [])


async def snapshot(conn: ClusterConnection) -> Cluster:
    """Nodes, every pod and the namespaces' labels, read concurrently."""
    nodes, pods, namespaces = await asyncio.gather(items(conn, "nodes"), items(conn, "pods"), items(conn, "namespaces"))
    return Cluster(nodes, pods, {n["metadata"]["name"]: (n["metadata"].get("labels") or {}) for n in namespaces})


def workload_name(name: str, field: str, suffix: str = "") -> ResourceName:
    """`{workload}` or `{workload}/{suffix}` -> the workload's resource name (namespaced)."""
    text = name or ""
    if suffix:
        if not text.endswith("/" + suffix):
            raise InvalidArgument.field(field, f"{name!r} does not end in /{suffix}")
        text = text[: -len(suffix) - 1]
    rn = ResourceName.parse(text, field)
    if not rn.namespace:
        raise InvalidArgument.field(field, f"{text!r} is not a workload (clusters/{{c}}/namespaces/{{ns}}/{{type}}/{{name}})")
    return rn


async def workload(conn: ClusterConnection, rn: ResourceName, field: str) -> dict[str, Any]:
    rt = await conn.resolve(rn.resource, field)
    rules.template_path(rt.kind, field)
    try:
        return await conn.get_object(rt, rn.namespace, rn.name)
    except NotFound:
        raise NotFound(f"{rn} does not exist", "WORKLOAD_NOT_FOUND", metadata={"resource": str(rn)}) from None


async def node(conn: ClusterConnection, cluster: str, name: str, field: str) -> dict[str, Any]:
    try:
        return await conn.get_object(await conn.resolve("nodes"), "", name)
    except NotFound:
        raise InvalidArgument.field(field, f"node {name!r} does not exist in cluster {cluster}", "NODE_NOT_FOUND") \
            from None
