"""OpenAPI v2/v3 documents: kubectl's validation and explain, and the server's strict field validation."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from kubernetes import client

from kubesim import Simulator

Kubectl = Callable[..., subprocess.CompletedProcess]

BAD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo, namespace: web}
spec:
  replicas: 1
  replicaz: 2
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers: [{name: a, image: nginx, imagePolicy: Always}]
"""


def get_json(sim: Simulator, path: str) -> dict:
    with urllib.request.urlopen(sim.url + path, timeout=5) as resp:
        return json.loads(resp.read())


def test_v3_index_and_documents_cover_served_kinds(kubesim: Simulator) -> None:
    index = get_json(kubesim, "/openapi/v3")["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/example.com/v1"} <= set(index)
    apps = get_json(kubesim, index["apis/apps/v1"]["serverRelativeURL"])
    deployment = apps["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "version": "v1", "kind": "Deployment"}]
    spec = apps["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentSpec"]
    assert spec["properties"]["replicas"]["type"] == "integer"
    assert set(spec["required"]) == {"selector", "template"}
    patch = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    widgets = get_json(kubesim, index["apis/example.com/v1"]["serverRelativeURL"])["components"]["schemas"]
    assert widgets["com.example.v1.Widget"]["x-kubernetes-group-version-kind"][0]["kind"] == "Widget"
    v2 = get_json(kubesim, "/openapi/v2")
    assert v2["swagger"] == "2.0" and "io.k8s.api.core.v1.Pod" in v2["definitions"]


def test_kubectl_apply_validates_without_flags(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(BAD_DEPLOYMENT)
    refused = kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    assert ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field '
            '"spec.replicaz", unknown field "spec.template.spec.containers[0].imagePolicy"') in refused.stderr.decode()
    warned = kubectl("apply", "--validate=warn", "-f", str(manifest))
    assert b'Warning: unknown field "spec.replicaz"' in warned.stderr
    stored = json.loads(kubectl("get", "deploy", "typo", "-n", "web", "-o", "json").stdout)
    assert "replicaz" not in stored["spec"]  # dropped, as the apiserver's decoder does


def test_kubectl_explain(kubectl: Kubectl) -> None:
    text = kubectl("explain", "deployment.spec.replicas").stdout.decode()
    assert "KIND:       Deployment" in text and "FIELD: replicas <integer>" in text
    assert "Number of desired pods" in text
    pods = kubectl("explain", "pod.spec.containers").stdout.decode()
    assert "<[]Container>" in pods and "image\t<string>" in pods


def test_field_validation_modes_over_http(kubesim: Simulator, kube_api_client: client.ApiClient) -> None:
    body = json.dumps({"metadata": {"name": "strict"}, "data": {"a": "b"}, "bogus": 1}).encode()

    def post(mode: str) -> urllib.request.Request:
        return urllib.request.Request(f"{kubesim.url}/api/v1/namespaces/web/configmaps?fieldValidation={mode}",
                                      body, {"Content-Type": "application/json"}, method="POST")

    try:
        urllib.request.urlopen(post("Strict"), timeout=5)
    except urllib.error.HTTPError as e:
        assert e.code == 400 and 'strict decoding error: unknown field "bogus"' in json.loads(e.read())["message"]
    else:
        raise AssertionError("strict validation accepted an unknown field")
    with urllib.request.urlopen(post("Warn"), timeout=5) as resp:
        assert resp.headers.get_all("Warning") == ['299 - "unknown field \\"bogus\\""']
    assert client.CoreV1Api(kube_api_client).read_namespaced_config_map("strict", "web").data == {"a": "b"}
