"""The scan rules the demo seed does not exercise, on hand-made objects shaped as the Kubernetes
API returns them (the seeded problems are found end to end in test_scans.py), and the strategic
merge that turns their patches into objects."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from server.errors import InvalidArgument
from server.mcp.recommend import strategic_merge
from server.mcp.scanners import Category, Prices, Severity, Snapshot, run, scores


def deployment(name: str, pod_spec: dict[str, Any], replicas: int = 2, ns: str = "app",
               labels: dict[str, str] | None = None) -> dict[str, Any]:
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": pod_spec}},
            "status": {"availableReplicas": replicas}}


GOOD = {"name": "c", "image": "example/app:1.0", "readinessProbe": {"httpGet": {"path": "/"}},
        "livenessProbe": {"httpGet": {"path": "/"}},
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}}


def found(snap: Snapshot, *categories: Category) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in run(snap, categories or tuple(Category)):
        out.setdefault(f.rule, []).append(f)
    return out


def test_a_clean_workload_has_no_configuration_or_security_findings() -> None:
    snap = Snapshot("c", {"Deployment": [deployment("web", {"containers": [GOOD],
                                                            "automountServiceAccountToken": False})],
                          "PodDisruptionBudget": []})
    assert found(snap, Category.CONFIGURATION, Category.SECURITY) == {}
    assert scores([], [Category.SECURITY]) == {Category.SECURITY: 100}


def test_privileged_root_capabilities_and_host_access() -> None:
    container = {**GOOD, "securityContext": {"privileged": True, "runAsUser": 0,
                                             "capabilities": {"add": ["NET_ADMIN", "CHOWN"]}}}
    spec = {"containers": [container], "hostNetwork": True, "hostPID": True, "automountServiceAccountToken": False,
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}]}
    rules = found(Snapshot("c", {"Deployment": [deployment("agent", spec)]}), Category.SECURITY)
    assert rules["privileged"][0].severity is Severity.CRITICAL
    assert rules["privileged"][0].patch == {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "securityContext": {"privileged": False}}]}}}}
    assert rules["run-as-root"][0].evidence["run_as_user"] == "0"
    assert rules["capabilities-added"][0].severity is Severity.HIGH  # NET_ADMIN is dangerous
    assert {f.evidence["container"] for f in rules["host-access"]} == {"hostNetwork", "hostPID", "volume:root"}


def test_wildcard_rbac_is_reported_on_the_service_account() -> None:
    role = {"kind": "ClusterRole", "metadata": {"name": "god"}, "rules": [{"apiGroups": ["*"], "resources": ["*"],
                                                                          "verbs": ["*"]}]}
    narrow = {"kind": "Role", "metadata": {"name": "reader", "namespace": "app"},
              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    bindings = [{"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "god"},
                 "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "app"}]},
                {"kind": "RoleBinding", "metadata": {"name": "r", "namespace": "app"},
                 "roleRef": {"kind": "Role", "name": "reader"},
                 "subjects": [{"kind": "ServiceAccount", "name": "reader"}]}]
    snap = Snapshot("c", {"ClusterRole": [role], "Role": [narrow], "ClusterRoleBinding": bindings[:1],
                          "RoleBinding": bindings[1:]})
    [finding] = found(snap, Category.SECURITY)["wildcard-rbac"]
    assert finding.resource == "clusters/c/namespaces/app/serviceaccounts/deployer"


def test_secret_values_in_env_are_matched_without_reporting_them() -> None:
    secret = {"kind": "Secret", "metadata": {"name": "db", "namespace": "app"},
              "data": {"password": base64.b64encode(b"hunter2-long").decode(), "port": base64.b64encode(b"5432").decode()}}
    container = {**GOOD, "env": [{"name": "PASSWORD", "value": "hunter2-long"}, {"name": "PORT", "value": "5432"}]}
    other_ns = deployment("x", {"containers": [container]}, ns="elsewhere")
    snap = Snapshot("c", {"Secret": [secret], "Deployment": [deployment("api", {"containers": [container]}), other_ns]})
    [finding] = found(snap, Category.SECURITY)["secret-in-env"]  # short values and other namespaces don't match
    assert finding.resource.endswith("/namespaces/app/deployments.apps/api") and "hunter2" not in str(finding)
    fixed = strategic_merge(deployment("api", {"containers": [container]}), finding.patch)
    env = fixed["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0] == {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
    assert env[1] == {"name": "PORT", "value": "5432"}


def test_image_tags_probes_replicas_and_budgets() -> None:
    latest = {**GOOD, "name": "l", "image": "nginx"}
    tagged = {**GOOD, "name": "t", "image": "registry:5000/team/app:latest"}
    pinned = {**GOOD, "name": "p", "image": "registry:5000/team/app@sha256:abc"}
    bare = {k: v for k, v in GOOD.items() if k not in ("readinessProbe",)}
    pdb = {"kind": "PodDisruptionBudget", "metadata": {"name": "strict", "namespace": "app"},
           "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "one"}}}, "status": {"expectedPods": 1}}
    snap = Snapshot("c", {"Deployment": [deployment("a", {"containers": [latest, tagged, pinned]}),
                                         deployment("one", {"containers": [bare]}, replicas=1),
                                         deployment("solo", {"containers": [GOOD]}, replicas=1)],
                          "PodDisruptionBudget": [pdb]})
    rules = found(snap, Category.CONFIGURATION)
    assert sorted(f.evidence["image"] for f in rules["image-tag"]) == ["nginx", "registry:5000/team/app:latest"]
    assert [f.evidence["missing"] for f in rules["missing-probes"]] == ["readinessProbe"]
    assert [f.resource.rpartition("/")[2] for f in rules["single-replica"]] == ["solo"]  # "one" has a budget
    assert rules["pdb-blocks-eviction"][0].patch == {"spec": {"maxUnavailable": 1, "minAvailable": None}}


def test_health_of_nodes_images_claims_and_deployments() -> None:
    node = {"kind": "Node", "metadata": {"name": "n1"}, "status": {"conditions": [
        {"type": "Ready", "status": "False", "message": "kubelet stopped posting"},
        {"type": "MemoryPressure", "status": "True"}]}}
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "app"}, "spec": {"containers": [GOOD]},
           "status": {"phase": "Pending", "containerStatuses": [
               {"name": "c", "image": "nope:1", "state": {"waiting": {"reason": "ImagePullBackOff"}}}],
               "conditions": [{"type": "PodScheduled", "status": "True"}]}}
    claim = {"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "app"},
             "spec": {"storageClassName": "fast"}, "status": {"phase": "Pending"}}
    event = {"kind": "Event", "reason": "ProvisioningFailed", "message": "storageclass fast not found",
             "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data", "namespace": "app"}}
    stuck = deployment("stuck", {"containers": [GOOD]})
    stuck["status"] = {"availableReplicas": 0, "conditions": [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "timed out"}]}
    rules = found(Snapshot("c", {"Node": [node], "Pod": [pod], "PersistentVolumeClaim": [claim], "Event": [event],
                                 "Deployment": [stuck]}), Category.HEALTH)
    assert sorted(f.evidence["condition"] for f in rules["node-condition"]) == ["MemoryPressure", "NotReady"]
    assert rules["image-pull"][0].evidence["reason"] == "ImagePullBackOff"
    assert "pod-pending" not in rules  # scheduled, waiting for its image
    assert rules["pvc-pending"][0].message.endswith("storageclass fast not found")
    assert rules["deployment-not-progressing"][0].evidence["reason"] == "ProgressDeadlineExceeded"


def test_requests_against_usage_and_what_idle_capacity_costs() -> None:
    container = {**GOOD, "resources": {"requests": {"cpu": "2", "memory": "64Mi"}}}
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "app", "labels": {"app": "big"}},
           "spec": {"containers": [container], "nodeName": "n1"}, "status": {"phase": "Running"}}
    usage = {"app/p": {"c": {"cpu": Decimal("0.1"), "memory": Decimal(100 * 2**20)}}}
    snap = Snapshot("c", {"Deployment": [deployment("big", {"containers": [container]})], "Pod": [pod],
                          "Namespace": [{"kind": "Namespace", "metadata": {"name": "app"}},
                                        {"kind": "Namespace", "metadata": {"name": "empty"}}]}, usage)
    rules = found(snap, Category.RESOURCES, Category.COST)
    by_res = {f.evidence["container"]: f for f in rules["request-usage"] if "deployments" in f.resource}
    assert by_res["c:cpu"].message.endswith("(over-requested)") and float(by_res["c:cpu"].evidence["monthly_saving"]) > 0
    assert by_res["c:cpu"].patch["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "130m"
    assert by_res["c:memory"].message.endswith("(under-requested)")
    [cost] = rules["namespace-cost"]
    assert cost.resource == "clusters/c/namespaces/app" and float(cost.evidence["monthly_idle_cost"]) > 0
    assert [f.resource for f in rules["idle-namespace"]] == ["clusters/c/namespaces/empty"]
    snap.usage = None  # no metrics: no usage rules, requests still priced
    assert "request-usage" not in found(snap, Category.RESOURCES)


def test_strategic_merge_merges_named_lists_and_deletes_with_none() -> None:
    obj = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
                    "tolerations": [{"key": "k", "effect": "NoSchedule"}], "minAvailable": 1}}
    patch = {"spec": {"containers": [{"name": "b", "resources": {"limits": {"cpu": "1"}}}],
                      "tolerations": [{"key": "gpu", "effect": "NoSchedule"}], "minAvailable": None}}
    merged = strategic_merge(obj, patch)
    assert merged["spec"]["containers"] == [{"name": "a", "image": "x"},
                                            {"name": "b", "image": "y", "resources": {"limits": {"cpu": "1"}}}]
    assert len(merged["spec"]["tolerations"]) == 2 and "minAvailable" not in merged["spec"]
    assert obj["spec"]["minAvailable"] == 1  # the input is not changed


def test_priced_nodes_that_their_pods_hardly_use() -> None:
    def node(name: str, kind: str) -> dict[str, Any]:
        return {"kind": "Node", "metadata": {"name": name, "labels": {"node.kubernetes.io/instance-type": kind}},
                "status": {"allocatable": {"cpu": "4", "memory": "16Gi"}}}
    busy = {"kind": "Pod", "metadata": {"name": "p", "namespace": "app"}, "status": {"phase": "Running"},
            "spec": {"nodeName": "busy", "containers": [{**GOOD, "resources": {"requests": {"cpu": "3"}}}]}}
    prices = Prices(nodes=Prices.parse_nodes("m5.xlarge=0.192, g4dn.xlarge=0.526"))
    snap = Snapshot("c", {"Node": [node("idle", "g4dn.xlarge"), node("busy", "m5.xlarge"), node("free", "t3.nano")],
                          "Pod": [busy]}, prices=prices)
    [finding] = found(snap, Category.COST)["node-cost"]
    assert finding.resource == "clusters/c/nodes/idle" and finding.evidence["monthly_cost"] == "383.98"
    with pytest.raises(InvalidArgument):
        Prices.parse_nodes("m5.xlarge=cheap")


def test_failing_probes_and_over_committed_nodes() -> None:
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "app"}, "status": {"phase": "Running"},
           "spec": {"nodeName": "n1", "containers": [{**GOOD, "resources": {"limits": {"cpu": "7", "memory": "1Gi"}}}]}}
    unhealthy = [{"kind": "Event", "reason": "Unhealthy", "count": 4, "message": "Readiness probe failed: 503",
                  "involvedObject": {"kind": "Pod", "name": "p", "namespace": "app"}}]
    node = {"kind": "Node", "metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "4", "memory": "16Gi"}}}
    rules = found(Snapshot("c", {"Pod": [pod], "Event": unhealthy, "Node": [node]}), Category.HEALTH, Category.RESOURCES)
    assert rules["probe-failing"][0].message == "probe failing: Readiness probe failed: 503"
    assert rules["probe-failing"][0].evidence["events"] == "4"
    [over] = rules["node-overcommit"]  # cpu limits at 175% of allocatable; memory well under
    assert over.resource == "clusters/c/nodes/n1" and over.evidence["container"] == "cpu"
