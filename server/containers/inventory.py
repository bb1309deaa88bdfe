"""ListContainers: the containers of a namespace's pods (or every namespace's), with their state."""

from __future__ import annotations

from typing import Any

from kubecommit.v1 import containers_pb2 as pb
from server.containers.targets import ContainerRef, state_of
from server import paging
from server.errors import InvalidArgument
from server.kube import ClusterConnection

MAX_PAGE = 1000


def _containers(cluster: str, pod: dict[str, Any]) -> list[pb.Container]:
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    statuses = {s["name"]: s for s in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])}
    out = []
    for init, items in ((True, spec.get("initContainers") or []), (False, spec.get("containers") or [])):
        for c in items:
            st = statuses.get(c["name"], {})
            state, reason = state_of(st)
            item = pb.Container(
                name=str(ContainerRef(cluster, meta["namespace"], meta["name"], c["name"])), pod=meta["name"],
                container=c["name"], image=c.get("image", ""), state=state, reason=reason,
                state_code=pb.ContainerState.Value(f"CONTAINER_STATE_{state.upper()}"),
                ready=bool(st.get("ready")), restart_count=int(st.get("restartCount") or 0), init_container=init,
                node=spec.get("nodeName", ""), pod_labels=meta.get("labels") or {})
            started = ((st.get("state") or {}).get("running") or {}).get("startedAt") or status.get("startTime")
            if started:
                item.start_time.FromJsonString(started)
            out.append(item)
    return out


async def list_containers(conn: ClusterConnection, namespace: str, request: pb.ListContainersRequest
                          ) -> pb.ListContainersResponse:
    path = "/api/v1/pods" if namespace == "-" else f"/api/v1/namespaces/{namespace}/pods"
    query = {"labelSelector": request.label_selector,
             "fieldSelector": f"metadata.name={request.pod}" if request.pod else ""}
    try:
        pods = await conn.request("GET", path, query=query)
    except InvalidArgument as error:
        raise InvalidArgument.field("label_selector", error.message, "INVALID_SELECTOR") from None
    found = [c for pod in pods.get("items") or [] for c in _containers(conn.name, pod)]
    query = ("containers", conn.name, namespace, request.label_selector, request.pod)
    page, token = paging.offset_page(found, query, request.page_size, request.page_token,
                                     default=100, maximum=MAX_PAGE)
    return pb.ListContainersResponse(containers=page, next_page_token=token)
