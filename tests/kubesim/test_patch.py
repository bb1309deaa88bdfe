"""PATCH flavours: strategic merge by patch keys, merge, JSON patch, server-side apply ownership."""

from __future__ import annotations

import json

import pytest
from kubernetes import client, dynamic
from kubernetes.client.rest import ApiException

from kubesim.patch import field_paths, merge_patch, strategic_merge


@pytest.fixture
def dyn(kube_api_client: client.ApiClient, tmp_path) -> dynamic.DynamicClient:
    return dynamic.DynamicClient(kube_api_client, cache_file=str(tmp_path / "discovery.json"))


@pytest.fixture
def apps(kube_api_client: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(kube_api_client)


def pod_spec(d) -> dict:
    return d.to_dict()["spec"]["template"]["spec"]


def test_strategic_merge_lists_by_patch_key(apps: client.AppsV1Api) -> None:
    patch = {"spec": {"template": {"spec": {
        "containers": [{"name": "cart", "image": "ghcr.io/example/cart:2.4.0",
                        "env": [{"name": "NEW", "value": "1"}],
                        "ports": [{"containerPort": 9090, "name": "metrics"}]},
                       {"name": "sidecar", "image": "envoy:1.30"}],
        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
        "volumes": [{"name": "tmp", "emptyDir": {}}]}}}}
    apps.patch_namespaced_deployment("cart", "shop", patch)
    spec = pod_spec(apps.read_namespaced_deployment("cart", "shop"))
    cart = next(c for c in spec["containers"] if c["name"] == "cart")
    assert [c["name"] for c in spec["containers"]] == ["cart", "sidecar"]
    assert cart["image"].endswith("2.4.0")
    assert [e["name"] for e in cart["env"]] == ["DB_HOST", "DB_PASSWORD", "NEW"]
    assert [p["container_port"] for p in cart["ports"]] == [8080, 9090]
    # tolerations are replaced wholesale, not merged
    apps.patch_namespaced_deployment("cart", "shop", {"spec": {"template": {"spec": {
        "tolerations": [{"key": "other", "operator": "Exists"}],
        "containers": [{"name": "sidecar", "$patch": "delete"}]}}}})
    spec = pod_spec(apps.read_namespaced_deployment("cart", "shop"))
    assert [t["key"] for t in spec["tolerations"]] == ["other"]
    assert [c["name"] for c in spec["containers"]] == ["cart"]
    assert [v["name"] for v in spec["volumes"]] == ["tmp"]


def test_merge_and_json_patch(kube_api_client: client.ApiClient, dyn: dynamic.DynamicClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    dyn.resources.get(api_version="v1", kind="ConfigMap").patch(
        name="frontend-config", namespace="web", body={"data": {"LOG_LEVEL": "warn", "API_URL": None}},
        content_type="application/merge-patch+json")
    data = core.read_namespaced_config_map("frontend-config", "web").data
    assert data["LOG_LEVEL"] == "warn" and "API_URL" not in data
    core.patch_namespaced_config_map("frontend-config", "web", [
        {"op": "add", "path": "/data/NEW", "value": "x"},
        {"op": "test", "path": "/data/LOG_LEVEL", "value": "warn"},
        {"op": "remove", "path": "/data/LOG_LEVEL"}])
    data = core.read_namespaced_config_map("frontend-config", "web").data
    assert data["NEW"] == "x" and "LOG_LEVEL" not in data
    with pytest.raises(ApiException) as e:
        core.patch_namespaced_config_map("frontend-config", "web", [{"op": "test", "path": "/data/NEW", "value": "y"}])
    assert e.value.status == 422


def test_custom_resources_refuse_strategic_merge(kube_api_client: client.ApiClient,
                                                 dyn: dynamic.DynamicClient) -> None:
    widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")
    with pytest.raises(ApiException) as e:  # the dynamic client defaults to strategic merge
        widgets.patch(name="gizmo", namespace="shop", body={"spec": {"size": 1}})
    assert e.value.status == 415 and json.loads(e.value.body)["reason"] == "UnsupportedMediaType"
    co = client.CustomObjectsApi(kube_api_client)
    co.patch_namespaced_custom_object("example.com", "v1", "shop", "widgets", "gizmo", {"spec": {"size": 1}})
    assert co.get_namespaced_custom_object("example.com", "v1", "shop", "widgets", "gizmo")["spec"]["size"] == 1


def apply(dyn: dynamic.DynamicClient, body: dict, manager: str | None, force: bool = False) -> dict:
    api = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    return api.server_side_apply(body=body, namespace=body["metadata"]["namespace"], field_manager=manager,
                                 force_conflicts=force).to_dict()


def deployment(replicas: int, labels: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "ssa", "namespace": "default", "labels": labels or {}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "ssa"}},
                     "template": {"metadata": {"labels": {"app": "ssa"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def test_server_side_apply_creates_owns_and_conflicts(dyn: dynamic.DynamicClient) -> None:
    created = apply(dyn, deployment(2, {"team": "a", "tmp": "1"}), "alice")
    assert created["spec"]["replicas"] == 2
    managers = {m["manager"]: m for m in created["metadata"]["managedFields"]}
    assert managers["alice"]["operation"] == "Apply" and "f:replicas" in managers["alice"]["fieldsV1"]["f:spec"]
    # another manager changing an owned field conflicts...
    with pytest.raises(ApiException) as e:
        apply(dyn, deployment(5), "bob")
    body = json.loads(e.value.body)
    assert e.value.status == 409 and body["reason"] == "Conflict"
    assert body["details"]["causes"][0]["field"] == ".spec.replicas" and 'conflict with "alice"' in body["message"]
    # ...unless forced, which transfers ownership
    assert apply(dyn, deployment(5), "bob", force=True)["spec"]["replicas"] == 5
    # alice re-applies without the tmp label and replicas: her other fields stay, tmp goes away
    cfg = deployment(2, {"team": "a"})
    del cfg["spec"]["replicas"]
    result = apply(dyn, cfg, "alice")
    assert result["metadata"]["labels"] == {"team": "a"} and result["spec"]["replicas"] == 5
    # applying an identical value owned by someone else is not a conflict (shared ownership)
    assert apply(dyn, deployment(5, {"team": "a"}), "carol")["spec"]["replicas"] == 5


def test_apply_requires_field_manager(dyn: dynamic.DynamicClient) -> None:
    with pytest.raises(ApiException) as e:
        apply(dyn, deployment(1), None)
    assert e.value.status == 400 and "fieldManager" in json.loads(e.value.body)["message"]


def test_patch_helpers_unit() -> None:
    assert merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": 3}}) == {"a": {"c": 2, "d": 3}}
    merged = strategic_merge({"ports": [{"port": 80, "name": "http"}]}, {"ports": [{"port": 443, "name": "https"}]})
    assert [p["port"] for p in merged["ports"]] == [80, 443]
    assert strategic_merge({"m": {"a": 1}}, {"m": {"$patch": "replace", "b": 2}}) == {"m": {"b": 2}}
    assert strategic_merge({"finalizers": ["a"]}, {"finalizers": ["b"]}) == {"finalizers": ["a", "b"]}
    paths = field_paths({"spec": {"containers": [{"name": "x", "image": "i"}]}})
    assert ("f:spec", "f:containers", 'k:{"name":"x"}', "f:image") in paths
