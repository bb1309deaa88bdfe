"""Drift: live objects of the kinds `main` tracks for a cluster, compared with `main` — changed,
added or deleted outside kubecommit — and their import as commits (Operation: import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitstore import Change, DocumentDiff, document_diff
from server import context
from server.errors import InvalidArgument, NotFound
from server.kube import ApiResource, ClusterConnection, normalize
from server.names import ResourceName, check_dns_label, parse_cluster
from server.versions.apply import Writer
from server.versions.common import MAIN, resource_at

MODIFIED, ADDED, DELETED = "modified", "added", "deleted"
_LIST_PAGE = 500


@dataclass
class Drift:
    name: ResourceName
    kind: str  # modified | added | deleted
    live: dict[str, Any] | None
    diff: DocumentDiff


async def _list_live(conn: ClusterConnection, rt: ApiResource, namespace: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = ""
    while True:
        page = await conn.list_objects(rt, namespace if rt.namespaced else "", limit=_LIST_PAGE,
                                       continue_token=token)
        for item in page.get("items") or []:
            # List items carry no apiVersion/kind on real API servers.
            items.append(normalize({"apiVersion": rt.api_version, "kind": rt.kind, **item}))
        token = (page.get("metadata") or {}).get("continue") or ""
        if not token:
            return items


async def detect(writer: Writer, cluster: str, namespace: str, resource_type: str) -> tuple[list[Drift], int]:
    """(drifted resources, number of objects checked) for one cluster, optionally one namespace/kind."""
    cluster_id = parse_cluster(cluster, "cluster")
    if namespace:
        check_dns_label(namespace, "namespace", "namespace")
    conn = await writer.pool.get(cluster_id)
    store = writer.store
    paths = await writer.storage.run(store.list_paths, f"clusters/{cluster_id}", MAIN)
    tracked = [rn for rn in map(resource_at, paths) if rn is not None]
    if namespace:
        tracked = [rn for rn in tracked if rn.namespace == namespace]
    if resource_type:
        rt = await conn.resolve(resource_type, "resource_type")
        types = {rt.type: rt}
        tracked = [rn for rn in tracked if rn.resource == rt.type]
    else:
        types = {t: await conn.resolve(t, "resource_type") for t in sorted({rn.resource for rn in tracked})}
    stored = await writer.storage.run(lambda: {str(rn): store.read(rn.store_path, MAIN).data for rn in tracked})
    drifts: list[Drift] = []
    checked = 0
    for type_name, rt in types.items():
        if namespace and not rt.namespaced:
            continue
        for obj in await _list_live(conn, rt, namespace):
            checked += 1
            meta = obj.get("metadata") or {}
            rn = ResourceName(cluster_id, meta.get("namespace", "") if rt.namespaced else "", type_name, meta["name"])
            old = stored.pop(str(rn), None)
            if old is None:
                drifts.append(Drift(rn, ADDED, obj, document_diff(str(rn), None, obj)))
            elif old != obj:
                drifts.append(Drift(rn, MODIFIED, obj, document_diff(str(rn), old, obj)))
    for name, old in stored.items():
        rn = ResourceName.parse(name)
        if rn.resource in types:
            checked += 1
            drifts.append(Drift(rn, DELETED, None, document_diff(name, old, None)))
    drifts.sort(key=lambda d: str(d.name))
    return drifts, checked


async def import_drift(writer: Writer, *, cluster: str, names: list[str], message: str, namespace: str,
                       resource_type: str) -> tuple[str, list[Drift]]:
    """Commit the live state of drifted resources (all, or `names`) as one import commit."""
    wanted = {str(ResourceName.parse(n, f"names[{i}]")) for i, n in enumerate(names)}
    cluster_id = parse_cluster(cluster, "cluster")
    for i, name in enumerate(names):
        if ResourceName.parse(name).cluster != cluster_id:
            raise InvalidArgument.field(f"names[{i}]", f"{name} is not in {cluster}")
    drifts, _ = await detect(writer, cluster, namespace, resource_type)
    chosen = [d for d in drifts if not wanted or str(d.name) in wanted]
    missing = wanted - {str(d.name) for d in chosen}
    if missing:
        raise NotFound(f"not drifted (or not found): {', '.join(sorted(missing))}", "NOT_DRIFTED",
                       metadata={"resources": ",".join(sorted(missing))})
    if not chosen:
        return "", []
    return await commit_drifts(writer, chosen, message), chosen


async def commit_drifts(writer: Writer, chosen: list[Drift], message: str = "",
                        expected: dict[str, str | None] | None = None) -> str:
    """One import commit (by the current caller) of the live state of `chosen`; its id, or "".
    `expected` (store path -> etag in main before the drift was detected) refuses the commit
    when a writer changed main since, rather than putting back an older live state."""
    context.current().targets.extend(str(d.name) for d in chosen)
    async with writer.locks.hold(d.name.store_path for d in chosen):
        changes = [Change.put(d.name.store_path, d.live) if d.live is not None else Change.delete(d.name.store_path)
                   for d in chosen]
        info = await writer.commit(changes, operation="import",
                                   message=message or f"Import {len(chosen)} change(s) made outside kubecommit",
                                   expected=expected)
    return info.commit_id if info else ""
