"""kube-scheduler's filters and scoring: pure functions first, then through the simulator with the
official client and kubectl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Callable

from kubernetes import client

from kubesim import scheduler
from kubesim.testing import wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]


def node(name: str, zone: str = "a", cpu: str = "4", taints: list[dict] | None = None, **labels: str) -> dict:
    return {"metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone, **labels}},
            "spec": {"taints": taints or []},
            "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}}


def pod(name: str, ns: str = "d", cpu: str | None = None, labels: dict | None = None, **spec: object) -> dict:
    container: dict = {"name": "c", "image": "x"}
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu}}
    return {"metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"containers": [container], **spec}}


NODES = [node("n1", "a"), node("n2", "b"), node("n3", "c", taints=[{"key": "gpu", "value": "true",
                                                                      "effect": "NoSchedule"}], accelerator="t4")]


def test_message_lists_each_nodes_first_failure_sorted() -> None:
    placement = scheduler.schedule(pod("p", nodeSelector={"accelerator": "t4"}), NODES, [])
    assert placement == scheduler.Placement(None, "0/3 nodes are available: 1 node(s) had untolerated taint "
                                                  "{gpu: true}, 2 node(s) didn't match Pod's node affinity/selector.")
    tolerated = pod("p", nodeSelector={"accelerator": "t4"}, tolerations=[{"key": "gpu", "operator": "Exists"}])
    assert scheduler.schedule(tolerated, NODES, []).node == "n3"


def test_resources_fit_against_allocatable() -> None:
    busy = [(pod("a", cpu="3500m"), NODES[0]), (pod("b", cpu="3100m"), NODES[1])]
    assert scheduler.schedule(pod("p", cpu="1"), NODES, busy).message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 2 Insufficient cpu.")
    assert scheduler.schedule(pod("p", cpu="1"), NODES, busy[:1]).node == "n2"


def test_pod_affinity_and_anti_affinity_by_topology() -> None:
    nodes = [node("n1", "a"), node("n2", "a"), node("n3", "b")]
    db = (pod("db", labels={"app": "db"}), nodes[0])
    near = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "topology.kubernetes.io/zone"}]}}
    assert scheduler.schedule(pod("api", affinity=near), nodes, [db]).node == "n2"  # zone a, fewer pods
    apart = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "topology.kubernetes.io/zone"}]}}
    assert scheduler.schedule(pod("db2", labels={"app": "db"}, affinity=apart), nodes, [db]).node == "n3"
    full = [db, (pod("db3", labels={"app": "db"}), nodes[2])]
    assert scheduler.schedule(pod("db2", labels={"app": "db"}, affinity=apart), nodes, full).message == (
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.")
    # the first pod of a group that requires its own kind may go anywhere
    self_affine = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    assert scheduler.schedule(pod("c1", labels={"app": "cache"}, affinity=self_affine), nodes, []).node


def test_topology_spread_and_preferences() -> None:
    nodes = [node("n1", "a"), node("n2", "b")]
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "w"}}}]
    placed = [(pod("w1", labels={"app": "w"}), nodes[0]), (pod("w2", labels={"app": "w"}), nodes[0]),
              (pod("w3", labels={"app": "w"}), nodes[1])]
    assert scheduler.schedule(pod("w4", labels={"app": "w"}, topologySpreadConstraints=spread), nodes, placed).node == "n2"
    only_a = pod("w4", labels={"app": "w"}, topologySpreadConstraints=spread, nodeSelector={"x": "y"})
    assert "didn't match Pod's node affinity/selector" in scheduler.schedule(only_a, nodes, placed).message
    prefer_b = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "preference": {"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["b"]}]}}]}}
    assert scheduler.schedule(pod("p", affinity=prefer_b), nodes, placed).node == "n2"
    soft = [node("n1", taints=[{"key": "k", "effect": "PreferNoSchedule"}]), node("n2")]
    assert scheduler.schedule(pod("p"), soft, [(pod("x"), soft[1])]).node == "n2"


def test_noexecute_grace() -> None:
    n = node("n", taints=[{"key": "maint", "effect": "NoExecute"}])
    assert scheduler.noexecute_grace(pod("p"), n) == 0
    tolerating = pod("p", tolerations=[{"key": "maint", "operator": "Exists", "effect": "NoExecute",
                                        "tolerationSeconds": 2}])
    assert scheduler.noexecute_grace(tolerating, n) == 2
    forever = pod("p", tolerations=[{"key": "maint", "operator": "Exists"}])
    assert scheduler.noexecute_grace(forever, n) is None


def test_untolerated_taint_pending_with_the_real_message(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "p.yaml"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gpu-job", "namespace": "default"},
                                    "spec": {"nodeSelector": {"accelerator": "nvidia-tesla-t4"},
                                             "containers": [{"name": "c", "image": "cuda:12"}]}}))
    kubectl("apply", "-f", str(manifest))
    message = ("0/4 nodes are available: 1 node(s) had untolerated taint {gpu: true}, "
               "3 node(s) didn't match Pod's node affinity/selector.")
    wait_for(lambda: b"FailedScheduling" in kubectl("get", "events", "-n", "default",
                                                       "--field-selector", "involvedObject.name=gpu-job").stdout)
    assert message in kubectl("describe", "pod", "gpu-job", "-n", "default").stdout.decode()
    events = kubectl("get", "events", "-n", "default", "--field-selector", "involvedObject.name=gpu-job",
                     "-o", "json").stdout
    assert [e["message"] for e in json.loads(events)["items"] if e["reason"] == "FailedScheduling"] == [message]
    got = json.loads(kubectl("get", "pod", "gpu-job", "-n", "default", "-o", "json").stdout)
    assert got["status"]["phase"] == "Pending"
    assert got["status"]["conditions"] == [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                            "message": message,
                                            "lastTransitionTime": got["status"]["conditions"][0]["lastTransitionTime"]}]
    assert "Pending" in kubectl("get", "pod", "gpu-job", "-n", "default").stdout.decode()


def test_noexecute_taint_evicts_after_toleration_seconds(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    core.create_namespaced_pod("default", pod("stays-briefly", ns="default", nodeName="node-2", tolerations=[
        {"key": "maint", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 1}]))
    core.create_namespaced_pod("default", pod("leaves-now", ns="default", nodeName="node-2"))
    wait_for(lambda: core.read_namespaced_pod("stays-briefly", "default").status.phase == "Running")
    assert "node-2" in {p.spec.node_name for p in core.list_namespaced_pod("web").items}
    core.patch_node("node-2", {"spec": {"taints": [{"key": "maint", "value": "true", "effect": "NoExecute"}]}})
    names = lambda: {p.metadata.name for p in core.list_namespaced_pod("default").items}  # noqa: E731
    wait_for(lambda: "leaves-now" not in names(), timeout=2)
    assert "stays-briefly" in names()
    wait_for(lambda: "stays-briefly" not in names(), timeout=5)
    # the frontend pod there was evicted too; its ReplicaSet's replacement avoids the node
    wait_for(lambda: [p.spec.node_name for p in core.list_namespaced_pod("web").items].count("node-2") == 0
             and len(core.list_namespaced_pod("web").items) == 3)
