"""Reading what a cluster holds: which kinds are worth reading, and every object of a kind,
page by page (one huge list response would pin the API server and our memory)."""

from __future__ import annotations

from typing import Any, Sequence

from server.kube import ApiResource
from server.kube.connection import ClusterConnection

# High-churn or computed kinds: they change by themselves every few seconds, so snapshotting
# them would make every sync a commit of noise.
DEFAULT_EXCLUDE = frozenset({
    "events", "events.events.k8s.io", "leases.coordination.k8s.io", "endpoints",
    "endpointslices.discovery.k8s.io", "componentstatuses", "bindings",
    "tokenreviews.authentication.k8s.io", "selfsubjectreviews.authentication.k8s.io",
    "subjectaccessreviews.authorization.k8s.io", "selfsubjectaccessreviews.authorization.k8s.io",
    "selfsubjectrulesreviews.authorization.k8s.io", "localsubjectaccessreviews.authorization.k8s.io",
})
# Groups whose objects are computed on every read, never stored.
COMPUTED_GROUPS = frozenset({"metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"})
LIST_PAGE = 500


def listable(resources: Sequence[ApiResource], include: Sequence[str] = (),
             exclude: Sequence[str] = ()) -> list[ApiResource]:
    """Kinds to read: those that support `list`, minus the default (or given) skip list; only
    `include` when given. Types may be named any way `ApiResource.matches` accepts."""
    skip = set(exclude) if exclude else set(DEFAULT_EXCLUDE)
    chosen = []
    for rt in resources:
        if "list" not in rt.verbs or rt.group in COMPUTED_GROUPS and not include:
            continue
        if include and not any(rt.matches(q) for q in include):
            continue
        if any(rt.matches(q) for q in skip):
            continue
        chosen.append(rt)
    return chosen


async def list_all(connection: ClusterConnection, rt: ApiResource, namespace: str = "", *,
                   label_selector: str = "", field_selector: str = "") -> list[dict[str, Any]]:
    """Every object of a kind, following continue tokens; items get apiVersion/kind (real API
    servers leave them out of list items)."""
    items: list[dict[str, Any]] = []
    token = ""
    while True:
        page = await connection.list_objects(rt, namespace, label_selector=label_selector,
                                             field_selector=field_selector, limit=LIST_PAGE,
                                             continue_token=token)
        for item in page.get("items") or []:
            item.setdefault("apiVersion", rt.api_version)
            item.setdefault("kind", rt.kind)
            items.append(item)
        token = (page.get("metadata") or {}).get("continue") or ""
        if not token:
            return items


def _builtin(group: str, plural: str, kind: str, namespaced: bool = True) -> ApiResource:
    return ApiResource(group=group, version="v1", plural=plural, kind=kind, namespaced=namespaced,
                       verbs=("get", "list"))


# Stable built-in kinds that health and metrics read without asking discovery.
NODES = _builtin("", "nodes", "Node", namespaced=False)
NAMESPACES = _builtin("", "namespaces", "Namespace", namespaced=False)
PODS = _builtin("", "pods", "Pod")
SERVICES = _builtin("", "services", "Service")
DEPLOYMENTS = _builtin("apps", "deployments", "Deployment")
STATEFULSETS = _builtin("apps", "statefulsets", "StatefulSet")
DAEMONSETS = _builtin("apps", "daemonsets", "DaemonSet")
