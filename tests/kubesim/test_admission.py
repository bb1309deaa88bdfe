"""Admission as kube-apiserver does it: ResourceQuota, LimitRange and CRD schemas, checked with the
real kubectl and the official client."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kubesim.testing import wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]


def pod(name: str, resources: dict | None = None, image: str = "nginx:1.27") -> dict:
    container: dict = {"name": "app", "image": image}
    if resources is not None:
        container["resources"] = resources
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [container]}}


@pytest.fixture
def core(kube_api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api_client)


def error(e: pytest.ExceptionInfo[ApiException]) -> tuple[int, str]:
    return e.value.status, json.loads(e.value.body)["message"]


def test_pod_over_quota_refused_with_the_real_message(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "big.yaml"
    manifest.write_text(json.dumps(dict(pod("big", {"requests": {"cpu": "1500m"}}),
                                        metadata={"name": "big", "namespace": "shop"})))
    refused = kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    assert ('pods "big" is forbidden: exceeded quota: shop-quota, requested: requests.cpu=1500m, '
            'used: requests.cpu=600m, limited: requests.cpu=2') in refused.stderr.decode()
    manifest.write_text(manifest.read_text().replace("1500m", "1"))
    kubectl("apply", "-f", str(manifest))
    wait_for(lambda: kubectl("get", "quota", "shop-quota", "-n", "shop", "-o",
                             "jsonpath={.status.used.requests\\.cpu}").stdout == b"1600m")


def test_quota_counts_objects_and_needs_requests(core: client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "tight"}})
    core.create_namespaced_resource_quota("tight", {"metadata": {"name": "q"}, "spec": {"hard": {
        "configmaps": "1", "requests.memory": "1Gi"}}})
    core.create_namespaced_config_map("tight", {"metadata": {"name": "one"}})
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map("tight", {"metadata": {"name": "two"}})
    assert error(e) == (403, 'configmaps "two" is forbidden: exceeded quota: q, requested: configmaps=1, '
                             'used: configmaps=1, limited: configmaps=1')
    with pytest.raises(ApiException) as e:
        core.create_namespaced_pod("tight", pod("bare"))
    assert error(e) == (403, 'pods "bare" is forbidden: failed quota: q: must specify requests.memory for: app')
    core.create_namespaced_pod("tight", pod("sized", {"limits": {"memory": "512Mi"}}))  # requests default to limits
    wait_for(lambda: core.read_namespaced_resource_quota("q", "tight").status.used
             == {"configmaps": "1", "requests.memory": "512Mi"})


def test_limit_range_defaults_and_bounds(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_pod("web", pod("defaulted"))
    assert created.spec.containers[0].resources.limits == {"cpu": "500m", "memory": "256Mi"}
    assert created.spec.containers[0].resources.requests == {"cpu": "100m", "memory": "128Mi"}
    with pytest.raises(ApiException) as e:
        core.create_namespaced_pod("web", pod("huge", {"limits": {"cpu": "3", "memory": "4Gi"}}))
    assert error(e) == (403, 'pods "huge" is forbidden: [maximum cpu usage per Container is 2, but limit is 3, '
                             'maximum memory usage per Container is 2Gi, but limit is 4Gi]')
    core.create_namespace({"metadata": {"name": "ratio"}})
    core.create_namespaced_limit_range("ratio", {"metadata": {"name": "lr"}, "spec": {"limits": [
        {"type": "Container", "min": {"cpu": "50m"}, "maxLimitRequestRatio": {"cpu": "2"}}]}})
    with pytest.raises(ApiException) as e:
        core.create_namespaced_pod("ratio", pod("spiky", {"requests": {"cpu": "100m"}, "limits": {"cpu": "400m"}}))
    assert error(e) == (403, 'pods "spiky" is forbidden: cpu max limit to request ratio per Container is 2, '
                             'but provided ratio is 4.000000')
    with pytest.raises(ApiException) as e:
        core.create_namespaced_pod("ratio", pod("tiny", {"requests": {"cpu": "10m"}, "limits": {"cpu": "10m"}}))
    assert error(e) == (403, 'pods "tiny" is forbidden: minimum cpu usage per Container is 50m, but request is 10m')


def test_deployment_over_quota_reports_failed_create(kube_api_client: client.ApiClient, core: client.CoreV1Api) -> None:
    apps = client.AppsV1Api(kube_api_client)
    apps.create_namespaced_deployment("shop", {
        "metadata": {"name": "greedy"}, "spec": {
            "replicas": 3, "selector": {"matchLabels": {"app": "greedy"}},
            "template": {"metadata": {"labels": {"app": "greedy"}}, "spec": {"containers": [
                {"name": "g", "image": "nginx", "resources": {"requests": {"cpu": "600m"}}}]}}}})
    wait_for(lambda: any(e.reason == "FailedCreate" for e in core.list_namespaced_event("shop").items))
    event = next(e for e in core.list_namespaced_event("shop").items if e.reason == "FailedCreate")
    assert event.involved_object.kind == "ReplicaSet" and "exceeded quota: shop-quota" in event.message
    pods = core.list_namespaced_pod("shop", label_selector="app=greedy").items
    assert len(pods) == 2  # 600m used + 2 x 600m = 1800m of 2 cores; the third does not fit


WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata: {{name: {name}, namespace: shop}}
spec: {spec}
"""


def test_custom_resource_schema_validation(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "w.yaml"
    manifest.write_text(WIDGET.format(name="bad", spec='{size: "big", color: purple}'))
    refused = kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    stderr = refused.stderr.decode()
    assert 'The Widget "bad" is invalid' in stderr
    assert 'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"' in stderr
    assert 'spec.color: Unsupported value: "purple": supported values: "blue", "red", "green"' in stderr
    manifest.write_text(WIDGET.format(name="nosize", spec="{color: red}"))
    assert "spec.size: Required value" in kubectl("apply", "-f", str(manifest), check=False).stderr.decode()
    manifest.write_text(WIDGET.format(name="big", spec="{size: 11}"))
    assert ("spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"
            in kubectl("apply", "-f", str(manifest), check=False).stderr.decode())


def test_custom_resource_defaulting_pruning_and_preserved_fields(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "w.yaml"
    manifest.write_text(WIDGET.format(name="fresh", spec="{size: 2, extra: 1, labels: {any: {thing: 1}}}"))
    kubectl("apply", "--validate=false", "-f", str(manifest))
    spec = json.loads(kubectl("get", "wg", "fresh", "-n", "shop", "-o", "jsonpath={.spec}").stdout)
    assert spec == {"size": 2, "color": "blue", "labels": {"any": {"thing": 1}}}  # defaulted, pruned, kept


def test_printer_columns_and_served_versions(kubectl: Kubectl) -> None:
    table = kubectl("get", "widgets", "-n", "shop").stdout.decode().splitlines()
    assert table[0].split() == ["NAME", "SIZE", "COLOR", "PHASE", "AGE"]
    assert table[1].split()[:4] == ["gizmo", "3", "blue", "Ready"]
    beta = kubectl("get", "widgets.v1beta1.example.com", "gizmo", "-n", "shop", "-o", "json").stdout
    assert json.loads(beta)["apiVersion"] == "example.com/v1beta1"
