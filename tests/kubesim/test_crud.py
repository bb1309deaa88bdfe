"""CRUD semantics and errors through the typed client and raw HTTP: metadata, conflicts, dry run,
selectors, pagination, bad input, auth and TLS."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kubesim import Simulator
from kubesim.testing import api_client_from, self_signed_cert


def cm(name: str, labels: dict | None = None, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels or {}}, "data": data}


def raw(sim: Simulator, method: str, path: str, body: bytes | None = None, ctype: str = "application/json",
        headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(sim.url + path, data=body, method=method,
                                 headers={"Content-Type": ctype, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def core(kube_api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api_client)


def test_create_sets_server_metadata_and_get_roundtrips(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("web", cm("settings", a="1"))
    meta = created.metadata
    assert meta.uid and meta.resource_version and meta.creation_timestamp and meta.namespace == "web"
    got = core.read_namespaced_config_map("settings", "web")
    assert got.data == {"a": "1"} and got.metadata.uid == meta.uid


def test_not_found_and_already_exists_are_status_objects(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as e:
        core.read_namespaced_config_map("nope", "web")
    body = json.loads(e.value.body)
    assert e.value.status == 404 and body["kind"] == "Status" and body["reason"] == "NotFound"
    assert body["message"] == 'configmaps "nope" not found' and body["details"]["name"] == "nope"
    core.create_namespaced_config_map("web", cm("dup"))
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map("web", cm("dup"))
    assert e.value.status == 409 and json.loads(e.value.body)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map("no-such-ns", cm("x"))
    assert e.value.status == 404 and json.loads(e.value.body)["message"] == 'namespaces "no-such-ns" not found'


def test_stale_resource_version_conflicts(core: client.CoreV1Api) -> None:
    first = core.create_namespaced_config_map("web", cm("cas", a="1"))
    first.data = {"a": "2"}
    updated = core.replace_namespaced_config_map("cas", "web", first)
    assert int(updated.metadata.resource_version) > int(first.metadata.resource_version)
    first.data = {"a": "3"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as e:
        core.replace_namespaced_config_map("cas", "web", first)
    assert e.value.status == 409 and json.loads(e.value.body)["reason"] == "Conflict"
    assert "the object has been modified" in json.loads(e.value.body)["message"]


def test_generation_bumps_on_spec_change_only(kube_api_client: client.ApiClient) -> None:
    apps = client.AppsV1Api(kube_api_client)
    d = apps.read_namespaced_deployment("cart", "shop")
    assert d.metadata.generation == 1
    apps.patch_namespaced_deployment("cart", "shop", {"metadata": {"labels": {"x": "y"}}})
    assert apps.read_namespaced_deployment("cart", "shop").metadata.generation == 1
    apps.patch_namespaced_deployment("cart", "shop", {"spec": {"minReadySeconds": 5}})
    assert apps.read_namespaced_deployment("cart", "shop").metadata.generation == 2


def test_invalid_objects_get_422(core: client.CoreV1Api, kubesim: Simulator) -> None:
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map("web", cm("Bad_Name"))
    body = json.loads(e.value.body)
    assert e.value.status == 422 and body["reason"] == "Invalid" and body["details"]["causes"][0]["field"] == "metadata.name"
    status, body = raw(kubesim, "POST", "/api/v1/namespaces/web/pods", json.dumps(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}).encode())
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.containers[0].image"
    status, body = raw(kubesim, "POST", "/apis/apps/v1/namespaces/web/deployments", json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": {"metadata": {"labels": {"app": "b"}},
                                                                        "spec": {"containers": [{"name": "c", "image": "i"}]}}}}).encode())
    assert status == 422 and "`selector` does not match template `labels`" in body["message"]


def test_bad_input_gets_status_errors_never_500(kubesim: Simulator) -> None:
    path = "/api/v1/namespaces/web/configmaps"
    cases = [
        ("POST", path, b"{not json", "application/json", 400),
        ("POST", path, b"", "application/json", 400),
        ("POST", path, b"k8s\x00\x0a\x0f", "application/vnd.kubernetes.protobuf", 415),
        ("POST", path, b"a=b", "application/x-www-form-urlencoded", 415),
        ("POST", path, json.dumps(cm("x", None) | {"kind": "Secret"}).encode(), "application/json", 400),
        ("POST", path, json.dumps(cm("x") | {"metadata": {"name": "x", "namespace": "shop"}}).encode(),
         "application/json", 400),
        ("POST", path, b"- just\n- a list\n", "application/yaml", 400),
        ("GET", path + "?labelSelector=a%20in%20(", None, "application/json", 400),
        ("GET", path + "?labelSelector=BAD!KEY", None, "application/json", 400),
        ("GET", path + "?fieldSelector=spec.foo%3Dbar", None, "application/json", 400),
        ("GET", path + "?limit=abc", None, "application/json", 400),
        ("GET", "/api/v1/namespaces/web/gizmos", None, "application/json", 404),
        ("GET", "/apis/nope.example/v1/things", None, "application/json", 404),
        ("PATCH", path + "/frontend-config", b"{}", "text/plain", 415),
        ("PATCH", path + "/frontend-config", b"[{\"op\": \"bogus\"}]", "application/json-patch+json", 422),
        ("PATCH", path + "/frontend-config", b"{oops", "application/merge-patch+json", 400),
        ("PUT", path + "/frontend-config", json.dumps(cm("other")).encode(), "application/json", 400),
        ("POST", path + "?dryRun=Maybe", json.dumps(cm("x")).encode(), "application/json", 400),
    ]
    for method, p, body, ctype, want in cases:
        status, payload = raw(kubesim, method, p, body, ctype)
        assert (status, payload["kind"], payload["code"]) == (want, "Status", want), (method, p, ctype, payload)


def test_dry_run_validates_without_storing(core: client.CoreV1Api, kubesim: Simulator) -> None:
    created = core.create_namespaced_config_map("web", cm("dry", a="1"), dry_run="All")
    assert created.metadata.uid and created.data == {"a": "1"}
    with pytest.raises(ApiException) as e:
        core.read_namespaced_config_map("dry", "web")
    assert e.value.status == 404
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map("web", cm("BAD"), dry_run="All")
    assert e.value.status == 422
    core.patch_namespaced_config_map("frontend-config", "web", {"data": {"LOG_LEVEL": "debug"}}, dry_run="All")
    obj = core.read_namespaced_config_map("frontend-config", "web")
    assert obj.data["LOG_LEVEL"] == "info"
    obj.data["LOG_LEVEL"] = "trace"
    assert core.replace_namespaced_config_map("frontend-config", "web", obj, dry_run="All").data["LOG_LEVEL"] == "trace"
    core.delete_namespaced_config_map("frontend-config", "web", dry_run="All")
    assert core.read_namespaced_config_map("frontend-config", "web").data["LOG_LEVEL"] == "info"


def test_label_selectors_full_syntax(core: client.CoreV1Api) -> None:
    for name, labels in [("a", {"env": "prod", "tier": "fe"}), ("b", {"env": "dev", "tier": "be"}),
                         ("c", {"env": "prod"}), ("d", {})]:
        core.create_namespaced_config_map("default", cm(name, labels))

    def names(sel: str) -> list[str]:
        return sorted(i.metadata.name for i in core.list_namespaced_config_map("default", label_selector=sel).items)

    assert names("env=prod") == ["a", "c"]
    assert names("env==prod,tier=fe") == ["a"]
    assert names("env!=prod") == ["b", "d"]
    assert names("env in (dev, prod),tier notin (fe)") == ["b", "c"]
    assert names("tier") == ["a", "b"]
    assert names("!tier") == ["c", "d"]


def test_field_selectors(core: client.CoreV1Api) -> None:
    pods = core.list_pod_for_all_namespaces(field_selector="metadata.namespace=web").items
    assert pods and all(p.metadata.namespace == "web" for p in pods)
    node = pods[0].spec.node_name
    on_node = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items
    assert on_node and all(p.spec.node_name == node for p in on_node)
    running = core.list_pod_for_all_namespaces(field_selector="status.phase=Running").items
    others = core.list_pod_for_all_namespaces(field_selector="status.phase!=Running").items
    assert [p.metadata.name for p in others] == ["inference"]  # the seed's unschedulable GPU pod
    assert len(running) + 1 == len(core.list_pod_for_all_namespaces().items)
    one = core.list_namespaced_config_map("web", field_selector="metadata.name=frontend-config").items
    assert [c.metadata.name for c in one] == ["frontend-config"]


def test_pagination_with_limit_and_continue(core: client.CoreV1Api) -> None:
    for i in range(7):
        core.create_namespaced_config_map("default", cm(f"page-{i}", {"paged": "yes"}))
    seen, token, pages = [], None, 0
    while True:
        resp = core.list_namespaced_config_map("default", label_selector="paged", limit=3, _continue=token)
        seen += [i.metadata.name for i in resp.items]
        pages += 1
        token = resp.metadata._continue
        if not token:
            break
        assert resp.metadata.remaining_item_count == 7 - len(seen)
    assert seen == [f"page-{i}" for i in range(7)] and pages == 3


def test_delete_collection_and_cascade(core: client.CoreV1Api, kube_api_client: client.ApiClient) -> None:
    for i in range(3):
        core.create_namespaced_config_map("default", cm(f"gone-{i}", {"batch": "x"}))
    core.delete_collection_namespaced_config_map("default", label_selector="batch=x")
    assert not core.list_namespaced_config_map("default", label_selector="batch=x").items
    # deleting a deployment garbage-collects its ReplicaSets and Pods
    client.AppsV1Api(kube_api_client).delete_namespaced_deployment("cart", "shop")
    assert not core.list_namespaced_pod("shop", label_selector="app=cart").items
    # deleting a namespace deletes what is in it
    core.delete_namespace("web")
    assert not core.list_namespaced_pod("web").items


def test_generate_name_and_secret_string_data(core: client.CoreV1Api) -> None:
    obj = core.create_namespaced_config_map("default", {"metadata": {"generateName": "gen-"}, "data": {}})
    assert obj.metadata.name.startswith("gen-") and len(obj.metadata.name) == 9
    sec = core.create_namespaced_secret("default", {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    assert sec.data == {"k": "dg=="} and sec.type == "Opaque"


def test_bearer_token_required_when_configured(tmp_path) -> None:
    with Simulator(seed=False, token="s3cret", log_interval=None) as sim:
        status, body = raw(sim, "GET", "/api/v1/namespaces")
        assert status == 401 and body["reason"] == "Unauthorized"
        status, _ = raw(sim, "GET", "/api/v1/namespaces", headers={"Authorization": "Bearer wrong"})
        assert status == 401
        api = api_client_from(sim.write_kubeconfig(tmp_path / "kc"))
        names = [n.metadata.name for n in client.CoreV1Api(api).list_namespace().items]
        assert "default" in names
        assert "token: s3cret" in sim.kubeconfig_text()


def test_tls_with_ca_in_kubeconfig(tmp_path) -> None:
    cert, key = self_signed_cert(tmp_path)
    with Simulator(seed=False, tls_cert=cert, tls_key=key, log_interval=None) as sim:
        assert sim.url.startswith("https://")
        api = api_client_from(sim.write_kubeconfig(tmp_path / "kc"))
        assert client.VersionApi(api).get_code().major == "1"
        assert "certificate-authority-data" in sim.kubeconfig_text()
        with pytest.raises(urllib.error.URLError) as e:  # a client without the CA fails verification
            urllib.request.urlopen(sim.url + "/version", context=ssl.create_default_context(), timeout=5)
        assert "CERTIFICATE_VERIFY_FAILED" in str(e.value)
