"""The affinity domain: where pods may run. Placement rules of workloads, node taints and node
operations, the scheduling check and its suggestions, topology and the affinity graph
(docs/affinity.md). Plain values in and out; the converter (convert.py) speaks protobuf."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Awaitable, Callable

from server.affinity import graph, reads
from server.affinity.model import Graph
from server.affinity.nodes import Nodes
from server.affinity.placement import Placement
from server.errors import InvalidArgument
from server.kube import ClusterPool
from server.names import check_dns_label
from server.versions.apply import Writer


class Affinity:
    def __init__(self, pool: ClusterPool, writer: Writer, clusters: Callable[[], Awaitable[list[str]]]) -> None:
        self.pool = pool
        self.placement = Placement(pool, writer)
        self.nodes = Nodes(pool, writer, clusters)

    async def graph(self, name: str, namespaces: list[str], include_placements: bool, include_svg: bool) -> Graph:
        parts = (name or "").split("/")
        if len(parts) != 3 or parts[0] != "clusters" or parts[2] != "affinityGraph":
            raise InvalidArgument.field("name", f"{name!r} is not clusters/{{cluster}}/affinityGraph")
        cluster = check_dns_label(parts[1], "name", "cluster")
        for i, ns in enumerate(namespaces):
            check_dns_label(ns, f"namespaces[{i}]", "namespace")
        conn = await self.pool.get(cluster)
        state, *listed = await asyncio.gather(reads.snapshot(conn), *(reads.items(conn, r) for r in graph.WORKLOAD_KINDS))
        workloads = [(r, obj) for r, objs in zip(graph.WORKLOAD_KINDS, listed) for obj in objs
                     if not namespaces or obj["metadata"].get("namespace") in namespaces]
        vertices, edges = await asyncio.to_thread(graph.build, cluster, workloads, state, include_placements)
        drawn = graph.dot(cluster, vertices, edges)
        svg = await asyncio.to_thread(graph.render_svg, drawn) if include_svg else ""
        return Graph(name, vertices, edges, drawn.source, svg, datetime.now(timezone.utc))
