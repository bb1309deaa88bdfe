"""Controllers: deployments, rollouts, scale, statefulsets, scheduling, quota and metrics."""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kubesim import Simulator
from kubesim.testing import wait_for


@pytest.fixture
def core(kube_api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api_client)


@pytest.fixture
def apps(kube_api_client: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(kube_api_client)


def deployment(name: str, replicas: int, image: str = "nginx:1.27", pod_spec: dict | None = None) -> dict:
    spec = {"containers": [{"name": "app", "image": image,
                            "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                                          "limits": {"cpu": "500m", "memory": "128Mi"}}}]}
    spec.update(pod_spec or {})
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def pods(core: client.CoreV1Api, app: str, ns: str = "default") -> list[client.V1Pod]:
    return core.list_namespaced_pod(ns, label_selector=f"app={app}").items


def test_deployment_creates_running_pods_with_status(core: client.CoreV1Api, apps: client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", deployment("hello", 3))
    wait_for(lambda: apps.read_namespaced_deployment_status("hello", "default").status.ready_replicas == 3)
    d = apps.read_namespaced_deployment("hello", "default")
    assert (d.status.replicas, d.status.available_replicas, d.status.updated_replicas) == (3, 3, 3)
    assert {c.type: c.status for c in d.status.conditions} == {"Available": "True", "Progressing": "True"}
    running = pods(core, "hello")
    assert len(running) == 3
    for p in running:
        cs = p.status.container_statuses[0]
        assert p.status.phase == "Running" and p.spec.node_name and cs.ready and cs.image == "nginx:1.27"
        assert cs.image_id and cs.restart_count == 0 and cs.state.running.started_at
        assert p.metadata.owner_references[0].kind == "ReplicaSet"


def test_scale_subresource_and_rollout(core: client.CoreV1Api, apps: client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", deployment("web", 2))
    wait_for(lambda: len(pods(core, "web")) == 2)
    scale = apps.read_namespaced_deployment_scale("web", "default")
    assert scale.spec.replicas == 2 and scale.status.selector == "app=web"
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 5}})
    wait_for(lambda: len(pods(core, "web")) == 5)
    apps.replace_namespaced_deployment_scale("web", "default", {"metadata": {"name": "web"}, "spec": {"replicas": 1}})
    wait_for(lambda: len(pods(core, "web")) == 1)
    apps.patch_namespaced_deployment("web", "default", {"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "nginx:1.28"}]}}}})
    wait_for(lambda: [p.spec.containers[0].image for p in pods(core, "web")] == ["nginx:1.28"])
    rs = apps.list_namespaced_replica_set("default", label_selector="app=web").items
    assert sorted((r.spec.replicas, r.metadata.annotations["deployment.kubernetes.io/revision"]) for r in rs) == \
        [(0, "1"), (1, "2")]


def test_statefulset_pods_are_ordinal(core: client.CoreV1Api, apps: client.AppsV1Api) -> None:
    sts = deployment("db", 3) | {"kind": "StatefulSet"}
    sts["spec"]["serviceName"] = "db"
    apps.create_namespaced_stateful_set("default", sts)
    wait_for(lambda: sorted(p.metadata.name for p in pods(core, "db")) == ["db-0", "db-1", "db-2"])
    apps.patch_namespaced_stateful_set_scale("db", "default", {"spec": {"replicas": 1}})
    wait_for(lambda: [p.metadata.name for p in pods(core, "db")] == ["db-0"])


def test_scheduling_honours_selectors_affinity_and_taints(core: client.CoreV1Api, apps: client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", deployment("zonal", 2, pod_spec={
        "nodeSelector": {"topology.kubernetes.io/zone": "eu-west-1b"}}))
    wait_for(lambda: {p.spec.node_name for p in pods(core, "zonal")} == {"node-2"})
    apps.create_namespaced_deployment("default", deployment("big", 1, pod_spec={"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["m5.2xlarge"]},
            {"key": "accelerator", "operator": "DoesNotExist"}]}]}}}}))
    wait_for(lambda: [p.spec.node_name for p in pods(core, "big")] == ["node-3"])
    gpu_only = {"nodeSelector": {"accelerator": "nvidia-tesla-t4"}}
    apps.create_namespaced_deployment("default", deployment("gpu-no-tol", 1, pod_spec=gpu_only))
    pending = wait_for(lambda: [p for p in pods(core, "gpu-no-tol")
                                if p.status.conditions and p.status.conditions[0].reason == "Unschedulable"])
    pod = pending[0]
    assert pod.status.phase == "Pending" and not pod.spec.node_name
    cond = pod.status.conditions[0]
    assert (cond.type, cond.status) == ("PodScheduled", "False")
    assert cond.message.startswith("0/4 nodes are available:") and "untolerated taint {gpu: true}" in cond.message
    apps.create_namespaced_deployment("default", deployment("gpu", 1, pod_spec=gpu_only | {"tolerations": [
        {"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]}))
    wait_for(lambda: [p.spec.node_name for p in pods(core, "gpu")] == ["node-gpu-1"])
    # taint a node with kubectl-style patch: new pods avoid it
    core.patch_node("node-1", {"spec": {"taints": [{"key": "maint", "value": "true", "effect": "NoSchedule"}]}})
    apps.create_namespaced_deployment("default", deployment("spread", 4))
    wait_for(lambda: len([p for p in pods(core, "spread") if p.spec.node_name]) == 4)
    assert "node-1" not in {p.spec.node_name for p in pods(core, "spread")}


def test_gt_lt_node_affinity(core: client.CoreV1Api) -> None:
    core.patch_node("node-3", {"metadata": {"labels": {"cores": "8"}}})
    pod = {"metadata": {"name": "needs-cores"}, "spec": {"containers": [{"name": "c", "image": "busybox"}],
           "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
               {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["4"]}]}]}}}}}
    core.create_namespaced_pod("default", pod)
    wait_for(lambda: core.read_namespaced_pod("needs-cores", "default").spec.node_name == "node-3")


def test_resource_quota_usage(core: client.CoreV1Api) -> None:
    quota = wait_for(lambda: core.read_namespaced_resource_quota("web-quota", "web").status)
    used = quota.used
    # frontend: 3 pods x (100m/128Mi requests, 500m/256Mi limits)
    assert used["pods"] == "3" and used["requests.cpu"] == "300m" and used["requests.memory"] == "384Mi"
    assert used["limits.cpu"] == "1500m" and used["limits.memory"] == "768Mi"
    assert used["services"] == "1" and used["configmaps"] == "1" and used["secrets"] == "1"
    assert quota.hard["pods"] == "20"
    core.create_namespaced_config_map("web", {"metadata": {"name": "extra"}})
    wait_for(lambda: core.read_namespaced_resource_quota("web-quota", "web").status.used["configmaps"] == "2")


def test_metrics_api(kube_api_client: client.ApiClient) -> None:
    co = client.CustomObjectsApi(kube_api_client)
    nodes = co.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")["items"]
    assert {n["metadata"]["name"] for n in nodes} == {"node-1", "node-2", "node-3", "node-gpu-1"}
    assert all(n["usage"]["cpu"].endswith("n") and n["usage"]["memory"].endswith("Ki") for n in nodes)
    pods = co.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", "web", "pods")["items"]
    assert len(pods) == 3 and pods[0]["containers"][0]["usage"]["cpu"].endswith("n")
    one = co.get_namespaced_custom_object("metrics.k8s.io", "v1beta1", "web", "pods", pods[0]["metadata"]["name"])
    assert one["kind"] == "PodMetrics"
    with pytest.raises(ApiException) as e:
        co.create_namespaced_custom_object("metrics.k8s.io", "v1beta1", "web", "pods", {"metadata": {"name": "x"}})
    assert e.value.status == 405


def test_reset_gives_fresh_state(kubesim: Simulator, core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "temp"}})
    kubesim.reset(seed=False)
    assert [n.metadata.name for n in core.list_node().items] == ["kubesim-node"]
    assert not core.list_namespaced_config_map("default").items
    kubesim.reset(seed=True)
    assert len(core.list_node().items) == 4
