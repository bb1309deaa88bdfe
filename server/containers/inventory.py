"""ListContainers: the containers of a namespace's pods (or every namespace's), with their state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server import paging
from server.containers.targets import ContainerRef, state_of
from server.errors import InvalidArgument
from server.kube import ClusterConnection, paths

MAX_PAGE = 1000


@dataclass
class ContainerInfo:
    ref: ContainerRef
    image: str
    state: str
    reason: str
    ready: bool
    restart_count: int
    init_container: bool
    node: str
    start_time: str  # RFC 3339, or empty
    pod_labels: dict[str, str] = field(default_factory=dict)


def _containers(cluster: str, pod: dict[str, Any]) -> list[ContainerInfo]:
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    statuses = {s["name"]: s for s in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])}
    out = []
    for init, items in ((True, spec.get("initContainers") or []), (False, spec.get("containers") or [])):
        for c in items:
            st = statuses.get(c["name"], {})
            state, reason = state_of(st)
            started = ((st.get("state") or {}).get("running") or {}).get("startedAt") or status.get("startTime")
            out.append(ContainerInfo(
                ref=ContainerRef(cluster, meta["namespace"], meta["name"], c["name"]), image=c.get("image", ""),
                state=state, reason=reason, ready=bool(st.get("ready")), restart_count=int(st.get("restartCount") or 0),
                init_container=init, node=spec.get("nodeName", ""), start_time=started or "",
                pod_labels=meta.get("labels") or {}))
    return out


async def list_containers(conn: ClusterConnection, namespace: str, selector: str, pod: str, page_size: int,
                          page_token: str) -> tuple[list[ContainerInfo], str]:
    """One page of the containers (`namespace` `-` for all) and the token of the next."""
    path = paths.pods("" if namespace == "-" else namespace)
    if pod:
        paths.check_name(pod, paths.POD, "pod")
    query = {"labelSelector": selector, "fieldSelector": f"metadata.name={pod}" if pod else ""}
    try:
        pods = await conn.request("GET", path, query=query)
    except InvalidArgument as error:
        raise InvalidArgument.field("label_selector", error.message, "INVALID_SELECTOR") from None
    found = [c for item in pods.get("items") or [] for c in _containers(conn.name, item)]
    return paging.offset_page(found, ("containers", conn.name, namespace, selector, pod), page_size, page_token,
                              default=100, maximum=MAX_PAGE)
