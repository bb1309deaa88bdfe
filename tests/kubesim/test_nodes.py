"""Node operations with the real kubectl: cordon/uncordon, the Eviction API and PodDisruptionBudgets,
`kubectl drain`."""

from __future__ import annotations

import json
import subprocess
from typing import Callable

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kubesim.testing import wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: frontend, namespace: web}}
spec:
  minAvailable: {min}
  selector: {{matchLabels: {{app: frontend}}}}
"""


def pods_on(kubectl: Kubectl, node: str) -> list[str]:
    out = kubectl("get", "pods", "-A", "--field-selector", f"spec.nodeName={node}", "-o", "json").stdout
    return [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in json.loads(out)["items"]]


def frontend_node(kubectl: Kubectl) -> str:
    return kubectl("get", "pods", "-n", "web", "-l", "app=frontend", "-o",
                   "jsonpath={.items[0].spec.nodeName}").stdout.decode()


def test_cordon_keeps_new_pods_away(kubectl: Kubectl) -> None:
    for node in ("node-1", "node-3", "node-gpu-1"):
        kubectl("cordon", node)
    assert "Ready,SchedulingDisabled" in kubectl("get", "node", "node-1").stdout.decode()
    kubectl("scale", "deploy", "frontend", "-n", "web", "--replicas=6")
    wait_for(lambda: kubectl("get", "deploy", "frontend", "-n", "web", "-o",
                             "jsonpath={.status.readyReplicas}").stdout == b"6")
    nodes = kubectl("get", "pods", "-n", "web", "-o", "jsonpath={.items[*].spec.nodeName}").stdout.decode().split()
    assert nodes.count("node-2") >= 3  # the new ones all went to the only schedulable node
    kubectl("uncordon", "node-1")
    assert "SchedulingDisabled" not in kubectl("get", "node", "node-1").stdout.decode()


def test_drain_evicts_and_respects_the_disruption_budget(kubectl: Kubectl) -> None:
    node = frontend_node(kubectl)
    kubectl("apply", "-f", "-", input=PDB.format(min=3))
    wait_for(lambda: kubectl("get", "pdb", "frontend", "-n", "web", "-o",
                             "jsonpath={.status.currentHealthy}").stdout == b"3")
    assert kubectl("get", "pdb", "-n", "web").stdout.decode().splitlines()[1].split()[:4] == ["frontend", "3", "N/A", "0"]
    blocked = kubectl("drain", node, "--ignore-daemonsets", "--force", "--timeout=3s", check=False, timeout=30)
    assert blocked.returncode != 0
    assert b"Cannot evict pod as it would violate the pod's disruption budget." in blocked.stderr
    remaining = pods_on(kubectl, node)
    assert remaining and all(p.startswith("web/frontend-") for p in remaining)  # the others were evicted
    kubectl("apply", "-f", "-", input=PDB.format(min=2))
    drained = kubectl("drain", node, "--ignore-daemonsets", "--force", "--timeout=20s", timeout=40)
    assert f"node/{node} drained" in drained.stdout.decode()
    assert pods_on(kubectl, node) == []
    assert "SchedulingDisabled" in kubectl("get", "node", node).stdout.decode()
    wait_for(lambda: kubectl("get", "deploy", "frontend", "-n", "web", "-o",
                             "jsonpath={.status.readyReplicas}").stdout == b"3")


def test_eviction_api_answers_429_with_the_budget(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    client.PolicyV1Api(kube_api_client).create_namespaced_pod_disruption_budget("web", {
        "metadata": {"name": "all"}, "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "frontend"}}}})
    pod = core.list_namespaced_pod("web").items[0].metadata.name
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pod, "namespace": "web"}}
    with pytest.raises(ApiException) as e:
        core.create_namespaced_pod_eviction(pod, "web", eviction)
    body = json.loads(e.value.body)
    assert e.value.status == 429 and body["reason"] == "TooManyRequests"
    assert body["details"]["causes"] == [{"reason": "DisruptionBudget",
                                          "message": "The disruption budget all needs 3 healthy pods and has 3 currently"}]
    other = core.list_namespaced_pod("shop", label_selector="app=checkout").items[0].metadata.name
    core.create_namespaced_pod_eviction(other, "shop", dict(eviction, metadata={"name": other, "namespace": "shop"}))
    wait_for(lambda: other not in {p.metadata.name for p in core.list_namespaced_pod("shop").items})
