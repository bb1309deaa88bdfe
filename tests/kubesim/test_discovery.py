"""Discovery, health and version as the official client and raw HTTP see them."""

from __future__ import annotations

import json
import urllib.request

from kubernetes import client, dynamic

from kubesim import Simulator


def get_json(sim: Simulator, path: str) -> dict:
    with urllib.request.urlopen(sim.url + path) as resp:
        return json.loads(resp.read())


def test_version_has_all_fields(kube_api_client: client.ApiClient) -> None:
    info = client.VersionApi(kube_api_client).get_code()
    assert info.major == "1" and info.git_version.startswith("v1.")
    assert all(getattr(info, f) for f in ("minor", "git_commit", "git_tree_state", "build_date", "go_version",
                                          "compiler", "platform"))


def test_core_and_group_discovery(kubesim: Simulator) -> None:
    assert get_json(kubesim, "/api")["versions"] == ["v1"]
    groups = {g["name"]: g for g in get_json(kubesim, "/apis")["groups"]}
    assert {"apps", "batch", "apiextensions.k8s.io", "metrics.k8s.io", "example.com"} <= set(groups)
    core = {r["name"]: r for r in get_json(kubesim, "/api/v1")["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["pods"]["namespaced"] is True
    assert core["nodes"]["namespaced"] is False
    assert "watch" in core["pods"]["verbs"] and core["pods/log"]["verbs"] == ["get"]
    apps = {r["name"]: r for r in get_json(kubesim, "/apis/apps/v1")["resources"]}
    assert apps["deployments/scale"]["group"] == "autoscaling" and apps["deployments/scale"]["kind"] == "Scale"


def test_health_endpoints(kubesim: Simulator) -> None:
    for path in ("/livez", "/readyz", "/healthz"):
        with urllib.request.urlopen(kubesim.url + path) as resp:
            assert resp.read() == b"ok"
    with urllib.request.urlopen(kubesim.url + "/readyz?verbose") as resp:
        text = resp.read().decode()
    assert "[+]etcd ok" in text and text.rstrip().endswith("readyz check passed")


def test_crd_becomes_discoverable_and_servable(kube_api_client: client.ApiClient, kubesim: Simulator, tmp_path) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "clusterthings.example.org"},
        "spec": {"group": "example.org", "scope": "Cluster",
                 "names": {"plural": "clusterthings", "singular": "clusterthing", "kind": "ClusterThing",
                           "shortNames": ["ct"]},
                 "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object", "properties": {  # else pruned
                                   "spec": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}}]},
    }
    client.ApiextensionsV1Api(kube_api_client).create_custom_resource_definition(crd)
    resources = {r["name"]: r for r in get_json(kubesim, "/apis/example.org/v1alpha1")["resources"]}
    assert resources["clusterthings"]["namespaced"] is False and resources["clusterthings"]["shortNames"] == ["ct"]
    dyn = dynamic.DynamicClient(kube_api_client, cache_file=str(tmp_path / "discovery.json"))
    api = dyn.resources.get(api_version="example.org/v1alpha1", kind="ClusterThing")
    api.create(body={"apiVersion": "example.org/v1alpha1", "kind": "ClusterThing",
                     "metadata": {"name": "one"}, "spec": {"n": 1}})
    got = api.get(name="one")
    assert got.spec.n == 1 and got.metadata.generation == 1 and got.metadata.uid
    # namespaced CRD from the seed: CRUD through the dynamic client
    widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")
    assert sorted(w.metadata.name for w in widgets.get(namespace="shop").items) == ["gizmo", "sprocket"]
    widgets.patch(name="gizmo", namespace="shop", body={"spec": {"size": 9}},
                  content_type="application/merge-patch+json")
    assert widgets.get(name="gizmo", namespace="shop").spec.size == 9
    widgets.delete(name="gizmo", namespace="shop")
    assert [w.metadata.name for w in widgets.get(namespace="shop").items] == ["sprocket"]
    # deleting the CRD removes the API
    client.ApiextensionsV1Api(kube_api_client).delete_custom_resource_definition("clusterthings.example.org")
    try:
        get_json(kubesim, "/apis/example.org/v1alpha1/clusterthings")
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as e:
        assert e.code == 404
