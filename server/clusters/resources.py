"""Live objects across clusters: list (one page may span clusters), get, and compare the same
resource in several clusters field by field.

The page token of ListResources records the cluster being read and that cluster's own continue
token, so paging walks cluster after cluster in name order without holding anything server-side.
A cluster that cannot be read is reported in `unreachable` and skipped, not fatal.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, AsyncIterator, Callable, Sequence

import gitstore
from server import context, paging
from server.clusters import operations
from server.clusters.operations import Operations
from server.registry import ClusterRegistry
from server.clusters.model import (Comparison, ComparisonReport, LiveObject, ResourcePage, ResourceQuery, WatchEvent,
                                   WatchQuery, WatchUnreachable)
from server.clusters.watch import ClusterWatch, merged
from server.errors import InvalidArgument, KubecommitError, NotFound
from server.kube import ApiResource, ClusterPool, normalize
from server.names import ALL, ResourceName, check_dns_label, parse_cluster
from server.security import Permission, authorize, scope

DEFAULT_PAGE_SIZE = 100
_OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")  # a DNS subdomain


def comparable(obj: dict[str, Any], include_status: bool) -> dict[str, Any]:
    """Normalized, without the cluster-specific identity the same resource always differs in."""
    out = normalize(obj, include_status)
    (out.get("metadata") or {}).pop("namespace", None)
    return out


class Resources:
    """Live objects read across clusters."""

    def __init__(self, registry: ClusterRegistry, pool: ClusterPool, operations: Operations) -> None:
        self.registry = registry
        self.pool = pool
        self.operations = operations

    async def _targets(self, parent: str, chosen: list[str]) -> list[str]:
        """Cluster ids to read, sorted: the parent's, or every visible one (narrowed by `clusters`)."""
        cluster = parse_cluster(parent, "parent", allow_all=True)
        if cluster != ALL:
            if chosen:
                raise InvalidArgument.field("clusters", "only with parent clusters/-")
            return [operations.check_visible(cluster)]
        ids = {r.id for r in await self.operations.list_visible()}
        if chosen:
            wanted = {parse_cluster(c if c.startswith("clusters/") else f"clusters/{c}", "clusters") for c in chosen}
            missing = sorted(wanted - ids)
            if missing:
                raise NotFound(f"clusters not registered: {', '.join(missing)}", "CLUSTER_NOT_FOUND",
                               metadata={"cluster": missing[0]})
            ids = wanted
        return sorted(ids)

    async def list_resources(self, request: ResourceQuery) -> ResourcePage:
        clusters = await self._targets(request.parent, list(request.clusters))
        namespace = "" if request.namespace in ("", ALL) else check_dns_label(request.namespace, "namespace", "namespace")
        if not request.resource_type.strip():
            raise InvalidArgument.field("resource_type", "a resource type is required")
        query = ("resources", request.parent, request.resource_type, namespace, request.label_selector,
                 request.field_selector, sorted(request.clusters))
        position = paging.decode(request.page_token, query, c=str, k=str)
        start, continue_token = position.get("c", clusters[0] if clusters else ""), position.get("k", "")
        limit = paging.page_size(request.page_size, default=DEFAULT_PAGE_SIZE)
        found: list[LiveObject] = []
        unreachable: dict[str, str] = {}
        next_token = ""
        for cluster in (c for c in clusters if c >= start):
            if cluster != start:
                continue_token = ""
            remaining = limit - len(found)
            if remaining == 0:
                next_token = paging.encode(query, c=cluster, k="")
                break
            try:
                connection = await self.pool.get(cluster)
                rt = await connection.resolve(request.resource_type)
                page = await connection.list_objects(
                    rt, namespace if rt.namespaced else "", label_selector=request.label_selector,
                    field_selector=request.field_selector, limit=remaining, continue_token=continue_token)
            except NotFound as error:
                if error.reason != "UNKNOWN_RESOURCE_TYPE":
                    raise
                continue  # the kind is not served there: nothing to list
            except KubecommitError as error:
                if isinstance(error, InvalidArgument):
                    raise
                unreachable[f"clusters/{cluster}"] = error.message
                continue
            caller = context.current().caller
            found.extend(LiveObject(cluster, rt, obj) for obj in page.get("items") or []
                         if scope.visible(caller, cluster, (obj.get("metadata") or {}).get("namespace", "")))
            following = (page.get("metadata") or {}).get("continue") or ""
            if following:
                next_token = paging.encode(query, c=cluster, k=following)
                break
        return ResourcePage(found, next_token, unreachable)

    async def watch_resources(self, request: WatchQuery) -> AsyncIterator[WatchEvent | WatchUnreachable]:
        """The objects as ADDED events, then each change, until the caller stops; a scoped caller
        sees only what it could list, and naming a namespace outside its scope is refused. One
        cluster: a cluster that goes away ends the watch as UNAVAILABLE. `clusters/-` (narrowed
        by `clusters`): the clusters' streams merged, one that fails reported and left out. An
        expired resourceVersion (410) is re-listed without the caller noticing (server.clusters.watch)."""
        clusters = await self._targets(request.parent, list(request.clusters))
        namespace = "" if request.namespace in ("", ALL) else check_dns_label(request.namespace, "namespace", "namespace")
        caller = context.current().caller
        if request.name and not _OBJECT_NAME.fullmatch(request.name):
            raise InvalidArgument.field("name", "not a Kubernetes object name")
        field_selector = ",".join(s for s in (request.field_selector,
                                              request.name and f"metadata.name={request.name}") if s)
        for cluster in clusters:
            await self.registry.get(cluster)  # NOT_FOUND for unregistered clusters
            if namespace:
                authorize(caller, Permission.RESOURCES_READ, cluster, namespace)

        async def cluster_watch(cluster: str) -> ClusterWatch:
            connection = await self.pool.get(cluster)
            rt = await connection.resolve(request.resource_type)
            return ClusterWatch(cluster, connection, rt, namespace if rt.namespaced else "", request.label_selector,
                                field_selector, lambda obj: scope.visible(
                                    caller, cluster, (obj.get("metadata") or {}).get("namespace", "")))

        if parse_cluster(request.parent, "parent", allow_all=True) != ALL:
            async for event in (await cluster_watch(clusters[0])).events():
                yield event
            return

        def events_of(cluster: str) -> Callable[[], AsyncIterator[WatchEvent]]:
            async def events() -> AsyncIterator[WatchEvent]:
                async for event in (await cluster_watch(cluster)).events():
                    yield event
            return events
        async for item in merged({cluster: events_of(cluster) for cluster in clusters}):
            yield item

    async def _fetch(self, name: ResourceName, field: str) -> tuple[ApiResource, dict[str, Any]]:
        operations.check_visible(name.cluster)
        await self.registry.get(name.cluster)  # NOT_FOUND for unregistered clusters
        connection = await self.pool.get(name.cluster)
        rt = await connection.resolve(name.resource, field)
        if rt.namespaced != bool(name.namespace):
            hint = "namespaced: use clusters/{c}/namespaces/{ns}/..." if rt.namespaced else \
                "cluster-scoped: drop the namespaces/{ns} segment"
            raise InvalidArgument.field(field, f"{rt.type} is {hint}")
        return rt, await connection.get_object(rt, name.namespace, name.name)

    async def get_resource(self, name: str) -> LiveObject:
        parsed = ResourceName.parse(name, "name")
        context.current().targets.append(str(parsed))
        rt, obj = await self._fetch(parsed, "name")
        return LiveObject(parsed.cluster, rt, obj)

    async def compare(self, resource_names: Sequence[str], include_status: bool) -> ComparisonReport:
        """Differences of each resource from the first, on normalized objects (what people set,
        not what the API server manages); Secret values are redacted when converted."""
        if len(resource_names) < 2:
            raise InvalidArgument.field("names", "compare needs at least two resource names")
        names = [ResourceName.parse(n, f"names[{i}]") for i, n in enumerate(resource_names)]

        async def load(i: int, name: ResourceName) -> dict[str, Any] | None:
            try:
                _, obj = await self._fetch(name, f"names[{i}]")
            except NotFound as error:
                if error.reason == "CLUSTER_NOT_FOUND":
                    raise
                return None
            return comparable(obj, include_status)

        documents = await asyncio.gather(*(load(i, n) for i, n in enumerate(names)))
        reference = documents[0]
        if reference is None:
            raise NotFound(f"{names[0]} does not exist in its cluster", "NOT_FOUND", metadata={"name": str(names[0])})
        return ComparisonReport(str(names[0]), [
            Comparison(str(name), None if document is None else gitstore.field_diff(reference, document))
            for name, document in zip(names[1:], documents[1:])])
