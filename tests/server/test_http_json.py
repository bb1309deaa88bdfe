"""HTTP/JSON through Envoy's gRPC-JSON transcoder, configured from deploy/envoy/envoy.yaml and
the descriptor set `make descriptor` builds: proves the protos' http annotations route."""

from __future__ import annotations

import base64
import json
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from server.embedded import EmbeddedServer
from tests.conftest import REPO
from tests.support.clusters import register_cluster

ENVOY = Path(sys.executable).parent / "envoy"
DESCRIPTOR = REPO / "build/api.pb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _envoy(grpc_address: str, tmp_path: Path) -> Iterator[str]:
    """Envoy from deploy/envoy/envoy.yaml in front of `grpc_address`; yields its base URL."""
    if not ENVOY.exists() or not DESCRIPTOR.exists():
        pytest.fail("envoy or build/api.pb is missing: run `make setup descriptor` (make test does)")
    host, port = grpc_address.rsplit(":", 1)
    http_port = _free_port()
    config = tmp_path / "envoy.yaml"
    config.write_text(string.Template((REPO / "deploy/envoy/envoy.yaml").read_text()).substitute(
        HTTP_HOST="127.0.0.1", HTTP_PORT=http_port, DESCRIPTOR=DESCRIPTOR, GRPC_HOST=host, GRPC_PORT=port))
    process = subprocess.Popen([str(ENVOY), "-c", str(config), "--disable-hot-restart", "--log-level", "error",
                                "--base-id", str(http_port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", http_port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"envoy exited: {process.stderr.read().decode() if process.stderr else ''}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{http_port}"
    finally:
        process.terminate()
        process.communicate(timeout=10)  # reading its stderr, so it cannot block on a full pipe


@pytest.fixture(scope="module")
def gateway(demo_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Envoy in front of a server with the session's kubesim registered as `clusters/demo`."""
    with _envoy(demo_server.address, tmp_path_factory.mktemp("envoy")) as url:
        yield url


@pytest.fixture()
def auth_headers(demo_server: EmbeddedServer) -> dict[str, str]:
    token = demo_server.settings.data_dir / "admin.token"
    return {"authorization": f"Bearer {token.read_text().strip()}"} if token.exists() else {}


def _exchange(url: str, method: str = "GET", body: dict[str, Any] | list[Any] | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """Status, content type and raw body of one HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


def _call(url: str, method: str = "GET", body: dict[str, Any] | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    status, _, raw = _exchange(url, method, body, headers)
    return status, json.loads(raw or b"{}")


def test_bad_request_becomes_http_400_with_field_violations(gateway: str, auth_headers: dict[str, str]) -> None:
    status, body = _call(f"{gateway}/v1/clusters/demo/namespaces/web/pods/api/containers/app:exec",
                         "POST", {}, auth_headers)
    assert status == 400
    assert body["code"] == 3
    kinds = {d["@type"].rsplit("/", 1)[-1]: d for d in body["details"]}
    assert kinds["google.rpc.BadRequest"]["fieldViolations"][0]["field"] == "command"
    assert kinds["google.rpc.ErrorInfo"]["metadata"]["request_id"]


def test_path_variables_reach_the_request(gateway: str, auth_headers: dict[str, str]) -> None:
    # The name in the URL becomes GetClusterRequest.name; a malformed one is refused by the server
    # (not by Envoy's router), which proves the binding.
    status, body = _call(f"{gateway}/v1/clusters/Not_A_Label", headers=auth_headers)
    assert status == 400, body
    assert "Not_A_Label" in body["message"]


def test_operations_routes(gateway: str, auth_headers: dict[str, str]) -> None:
    status, body = _call(f"{gateway}/v1/alertRules", headers=auth_headers)
    assert status == 200 and "alertRules/quota-usage" in {r["name"] for r in body["alertRules"]}
    status, body = _call(f"{gateway}/v1/jobs/samplers:pause", "POST", {}, auth_headers)
    assert status == 200 and body["name"] == "jobs/samplers" and body["paused"] is True
    status, body = _call(f"{gateway}/v1/alerts/nope", headers=auth_headers)
    assert status == 404 and body["details"]


def test_admin_routes_transcode(gateway: str, auth_headers: dict[str, str]) -> None:
    """AdminService over HTTP/JSON: a token created, listed and revoked; the audit log read with
    a filter; an unknown session's terminate is a 404 from its custom-method route."""
    status, made = _call(f"{gateway}/v1/tokens", "POST",
                         {"displayName": "http-made", "role": "viewer", "ttl": "3600s"}, auth_headers)
    assert status == 200 and made["secret"].startswith("kc_") and made["token"]["state"] == "STATE_ACTIVE"
    name = made["token"]["name"]
    status, listed = _call(f"{gateway}/v1/tokens?filter=display_name%20%3D%20http-made", headers=auth_headers)
    assert status == 200 and [t["name"] for t in listed["tokens"]] == [name]
    status, revoked = _call(f"{gateway}/v1/{name}", "DELETE", headers=auth_headers)
    assert status == 200 and revoked["state"] == "STATE_REVOKED"
    status, audit = _call(f"{gateway}/v1/auditEntries?filter=rpc%20%3D%20CreateToken&pageSize=1", headers=auth_headers)
    assert status == 200 and audit["auditEntries"][0]["rpc"].endswith("AdminService/CreateToken")
    status, missing = _call(f"{gateway}/v1/execSessions/nope:terminate", "POST", {}, auth_headers)
    assert status == 404 and missing["code"] == 5


def test_generic_get_owns_the_paths_of_typed_views(gateway: str, auth_headers: dict[str, str]) -> None:
    # These once reached the unbuilt Quotas and CRD services (501): GetResource serves them.
    for name, kind in [("clusters/demo/namespaces/web/resourcequotas/web-quota", "ResourceQuota"),
                       ("clusters/demo/namespaces/web/limitranges/web-limits", "LimitRange"),
                       ("clusters/demo/customresourcedefinitions.apiextensions.k8s.io/widgets.example.com",
                        "CustomResourceDefinition")]:
        status, body = _call(f"{gateway}/v1/{name}", headers=auth_headers)
        assert status == 200, body
        assert (body["name"], body["kind"]) == (name, kind)
    # The typed view has a path of its own, answered by QuotasService: the quota with its usage.
    status, body = _call(f"{gateway}/v1/quotas/clusters/demo/namespaces/web/resourcequotas/web-quota",
                         headers=auth_headers)
    assert status == 200 and body["name"] == "clusters/demo/namespaces/web/resourcequotas/web-quota", body
    assert "kind" not in body and body["status"]["hard"]["limits.memory"] == "16Gi", body


def test_a_cluster_named_like_a_custom_method_can_be_fetched(
        gateway: str, auth_headers: dict[str, str], demo_server: EmbeddedServer, sim: Any) -> None:
    register_cluster(demo_server, "summarize", sim.kubeconfig_text("demo"))
    try:
        status, body = _call(f"{gateway}/v1/clusters/summarize", headers=auth_headers)
        assert status == 200 and body["name"] == "clusters/summarize", body
        status, body = _call(f"{gateway}/v1/clusters:summarize", headers=auth_headers)
        assert status == 200 and body["clusterCount"] >= 2, body
    finally:  # the server is shared by the session
        assert _call(f"{gateway}/v1/clusters/summarize", "DELETE", headers=auth_headers)[0] == 200


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/v1/nothing/here", 404, 5),
    ("GET", "/v1/tags/production", 404, 5),  # tags have no GET binding
    ("PUT", "/v1/clusters", 404, 5),
    ("GET", "/v1/clusters?colour=blue", 400, 3),
    # Was a 200 with an empty body: the unmapped request reached the gRPC server as it was.
    ("DELETE", "/v1/tags/nope?colour=blue", 400, 3),
])
def test_requests_envoy_cannot_map_are_answered_as_status_json(
        gateway: str, auth_headers: dict[str, str], method: str, path: str, status: int, code: int) -> None:
    got, content_type, raw = _exchange(f"{gateway}{path}", method, headers=auth_headers)
    assert (got, content_type) == (status, "application/json"), raw
    body = json.loads(raw)
    assert body["code"] == code and body["message"], body


def test_deleting_a_missing_tag_is_404(gateway: str, auth_headers: dict[str, str]) -> None:
    status, body = _call(f"{gateway}/v1/tags/no-such-tag", "DELETE", headers=auth_headers)
    assert status == 404, body
    assert body["code"] == 5 and body["details"][0]["reason"] == "NOT_FOUND"


def test_namespace_versions_and_http_delete(gateway: str, auth_headers: dict[str, str]) -> None:
    manifest = ("apiVersion: v1\nkind: Namespace\nmetadata: {name: http-json}\n---\n"
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone, namespace: http-json}\ndata: {a: b}\n")
    status, body = _call(f"{gateway}/v1/clusters/demo:apply", "POST", {"manifest": manifest}, auth_headers)
    assert status == 200, body
    namespace = "clusters/demo/namespaces/http-json"
    status, body = _call(f"{gateway}/v1/{namespace}/versions", headers=auth_headers)
    assert status == 200 and body["versions"][0]["version"] == 1, body
    # GetVersion of the Namespace object itself (its path once went to GetResource).
    status, body = _call(f"{gateway}/v1/{namespace}/versions/1", headers=auth_headers)
    assert status == 200 and body["name"] == f"{namespace}/versions/1", body
    # HTTP DELETE on a resource's name deletes it, other fields as query parameters.
    status, body = _call(f"{gateway}/v1/{namespace}/configmaps/gone?dryRun=true", "DELETE", headers=auth_headers)
    assert status == 200 and body["dryRun"] and not body["commit"], body
    assert _call(f"{gateway}/v1/{namespace}/configmaps/gone", headers=auth_headers)[0] == 200
    status, body = _call(f"{gateway}/v1/{namespace}/configmaps/gone?message=bye", "DELETE", headers=auth_headers)
    assert status == 200 and body["commit"], body
    status, body = _call(f"{gateway}/v1/{namespace}/configmaps/gone", headers=auth_headers)
    assert status == 404, body


def test_client_streaming_over_http_takes_a_json_array(gateway: str, auth_headers: dict[str, str]) -> None:
    # The README's example: each element of the body array is one request message of the stream.
    status, listed = _call(f"{gateway}/v1/clusters/demo/namespaces/web/containers?labelSelector=app%3Dfrontend",
                           headers=auth_headers)
    assert status == 200, listed
    container = next(c["name"] for c in listed["containers"] if c["state"] == "running")
    frames = [{"target": {"container": container, "path": "/tmp/over-http.txt", "overwrite": True}},
              {"data": base64.b64encode(b"hello ").decode()}, {"data": base64.b64encode(b"over http").decode()}]
    status, _, raw = _exchange(f"{gateway}/v1/files:upload", "POST", frames, auth_headers)
    assert status == 200, raw
    assert int(json.loads(raw)["bytesWritten"]) == len(b"hello over http")
    # A server stream comes back as a JSON array of response messages.
    status, chunks = _exchange(f"{gateway}/v1/{container}/files:download?path=/tmp/over-http.txt",
                               headers=auth_headers)[::2]
    assert status == 200, chunks
    assert b"".join(base64.b64decode(c["data"]) for c in json.loads(chunks)) == b"hello over http"


def test_an_unreachable_server_is_503_status_json(tmp_path: Path) -> None:
    with _envoy(f"127.0.0.1:{_free_port()}", tmp_path) as url:
        status, content_type, raw = _exchange(f"{url}/v1/clusters")
    assert (status, content_type) == (503, "application/json"), raw
    assert json.loads(raw)["code"] == 14


def test_labels_routes(gateway: str, auth_headers: dict[str, str]) -> None:
    cart = f"{gateway}/v1/clusters/demo/namespaces/shop/deployments.apps/cart/labels"
    status, body = _call(cart, headers=auth_headers)
    assert status == 200 and body["labels"]["app"] == "cart" and body["etag"]
    status, body = _call(f"{cart}?validateOnly=true", "PATCH", {"labels": {"http": "yes"}}, auth_headers)
    assert status == 200 and body["changes"][0]["key"] == "http" and not body.get("commit")
    status, body = _call(f"{gateway}/v1/clusters/-:selectResources?labelSelector=app%3Dcart&resourceTypes=deployments",
                         headers=auth_headers)
    assert status == 200 and [r["name"] for r in body["resources"]] == [
        "clusters/demo/namespaces/shop/deployments.apps/cart"]
    status, body = _call(f"{gateway}/v1/clusters/-:selectResources?labelSelector=app%20in%20(a", headers=auth_headers)
    assert status == 400 and "position" in body["message"]
    status, body = _call(f"{gateway}/v1/labelPolicies", headers=auth_headers)
    assert status == 200 and "labelPolicies/kubernetes-recommended" in {p["name"] for p in body["labelPolicies"]}


def test_affinity_routes_transcode(gateway: str, auth_headers: dict[str, str]) -> None:
    """AffinityService over HTTP/JSON: a scheduling check, typed rules, taints and the graph."""
    pod = "clusters/demo/namespaces/ml/pods/inference"
    status, body = _call(f"{gateway}/v1/clusters/demo:validateScheduling", "POST", {"workload": pod}, auth_headers)
    assert status == 200 and body["summary"].startswith("0/4 nodes are available"), body
    status, body = _call(f"{gateway}/v1/{pod}/nodeAffinity", headers=auth_headers)
    assert status == 200 and body["nodeSelector"] == {"accelerator": "nvidia-tesla-t4"}, body
    status, body = _call(f"{gateway}/v1/clusters/demo/nodes/-/taints", headers=auth_headers)
    assert status == 200 and [t["key"] for t in body["taints"]] == ["gpu"], body
    status, body = _call(f"{gateway}/v1/clusters/demo/affinityGraph?namespaces=ml", headers=auth_headers)
    assert status == 200 and "digraph" in body["dot"], body
    status, body = _call(f"{gateway}/v1/clusters/demo:validateScheduling", "POST",
                         {"podSpecYaml": "containers: [{name: c, image: x}]\ntolerations: [{operator: Equal}]"},
                         auth_headers)
    assert status == 400 and body["details"], body
