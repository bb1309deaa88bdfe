"""Container names and the pod facts every container operation checks first.

Checking the pod before opening a log stream or an exec websocket turns the cluster's generic
400s into answers a caller can act on: NOT_FOUND for an unknown pod or container,
FAILED_PRECONDITION for one that is not running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.errors import FailedPrecondition, InvalidArgument, NotFound
from server.kube import ClusterConnection, paths
from server.names import check_dns_label

Pod = dict[str, Any]


@dataclass(frozen=True)
class ContainerRef:
    cluster: str
    namespace: str
    pod: str
    container: str

    def __str__(self) -> str:
        return (f"clusters/{self.cluster}/namespaces/{self.namespace}/pods/{self.pod}"
                f"/containers/{self.container}")

    @property
    def pod_name(self) -> str:
        return f"clusters/{self.cluster}/namespaces/{self.namespace}/pods/{self.pod}"

    @classmethod
    def parse(cls, text: str, field: str = "container") -> "ContainerRef":
        parts = (text or "").split("/")
        if len(parts) != 8 or parts[0::2] != ["clusters", "namespaces", "pods", "containers"]:
            raise InvalidArgument.field(field, f"{text!r} is not a container name (clusters/{{cluster}}/"
                                               "namespaces/{namespace}/pods/{pod}/containers/{container})")
        _, cluster, _, namespace, _, pod, _, container = parts
        check_dns_label(cluster, field, "cluster")
        paths.check_name(namespace, paths.NAMESPACE, field)
        paths.check_name(pod, paths.POD, field)
        paths.check_name(container, paths.CONTAINER, field)
        return cls(cluster, namespace, pod, container)


async def get_pod(conn: ClusterConnection, namespace: str, pod: str) -> Pod:
    try:
        return await conn.request("GET", paths.pod(namespace, pod))
    except NotFound:
        raise NotFound(f"pod {pod} not found in namespace {namespace} of cluster {conn.name}",
                       "POD_NOT_FOUND", metadata={"cluster": conn.name, "pod": pod}) from None


def container_names(pod: Pod) -> list[str]:
    return [c["name"] for c in pod.get("spec", {}).get("containers") or []]


def container_status(pod: Pod, container: str) -> dict[str, Any]:
    """The container's status (init containers included); NOT_FOUND when the pod has no such one."""
    spec = pod.get("spec", {})
    if container not in [c["name"] for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]:
        name = pod["metadata"]["name"]
        raise NotFound(f"pod {name} has no container {container!r} (containers: "
                       f"{', '.join(container_names(pod))})", "CONTAINER_NOT_FOUND",
                       metadata={"pod": name, "container": container})
    status = pod.get("status", {})
    for item in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
        if item.get("name") == container:
            return item
    return {}


def state_of(status: dict[str, Any]) -> tuple[str, str]:
    """(`running`|`waiting`|`terminated`, reason)."""
    for state in ("running", "terminated", "waiting"):
        detail = (status.get("state") or {}).get(state)
        if detail is not None:
            return state, detail.get("reason", "") if isinstance(detail, dict) else ""
    return "waiting", "ContainerCreating"


def has_started(status: dict[str, Any]) -> bool:
    """Whether the container ever ran, i.e. has logs to read."""
    return state_of(status)[0] != "waiting" or int(status.get("restartCount") or 0) > 0


def require_running(pod: Pod, container: str) -> None:
    state, reason = state_of(container_status(pod, container))
    if state != "running":
        name = pod["metadata"]["name"]
        raise FailedPrecondition(f"container {container} of pod {name} is not running "
                                 f"({state}{': ' + reason if reason else ''})", "CONTAINER_NOT_RUNNING",
                                 metadata={"pod": name, "container": container, "state": state})


async def running_container(conn: ClusterConnection, ref: ContainerRef) -> Pod:
    """The pod of a container that exists and runs, or the error saying why not."""
    pod = await get_pod(conn, ref.namespace, ref.pod)
    require_running(pod, ref.container)
    return pod
