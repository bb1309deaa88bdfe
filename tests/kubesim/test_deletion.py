"""Graceful deletion: deletionTimestamp, finalizers, pod grace periods, cascading deletion and
namespaces that terminate only when empty."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Callable

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kubesim.testing import wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]


def gone(read: Callable[[], object]) -> bool:
    try:
        read()
    except ApiException as e:
        return e.status == 404
    return False


def test_namespace_terminates_only_after_the_finalizer_is_removed(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "doomed")
    kubectl("apply", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "held", "namespace": "doomed", "finalizers": ["example.com/hold"]}}))
    kubectl("create", "configmap", "plain", "-n", "doomed")
    kubectl("delete", "namespace", "doomed", "--wait=false")
    wait_for(lambda: b"Terminating" in kubectl("get", "ns", "doomed").stdout)
    ns = json.loads(kubectl("get", "ns", "doomed", "-o", "json").stdout)
    conditions = {c["type"]: c["message"] for c in ns["status"]["conditions"]}
    assert conditions["NamespaceFinalizersRemaining"] == ("Some content in the namespace has finalizers remaining: "
                                                          "example.com/hold in 1 resource instances")
    assert kubectl("get", "cm", "-n", "doomed", "-o", "name").stdout.split() == [b"configmap/held"]
    held = json.loads(kubectl("get", "cm", "held", "-n", "doomed", "-o", "json").stdout)
    assert held["metadata"]["deletionTimestamp"]
    refused = kubectl("create", "configmap", "late", "-n", "doomed", check=False)
    assert b'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is ' \
           b"being terminated" in refused.stderr
    time.sleep(0.3)
    assert b"Terminating" in kubectl("get", "ns", "doomed").stdout  # still there: the finalizer holds it
    kubectl("patch", "cm", "held", "-n", "doomed", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    wait_for(lambda: kubectl("get", "ns", "doomed", check=False).returncode == 1)


def test_finalizer_keeps_an_object_until_removed(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    core.create_namespaced_secret("web", {"metadata": {"name": "kept", "finalizers": ["example.com/a", "example.com/b"]}})
    core.delete_namespaced_secret("kept", "web")
    first = core.read_namespaced_secret("kept", "web")
    assert first.metadata.deletion_timestamp and first.metadata.finalizers == ["example.com/a", "example.com/b"]
    body = client.V1Secret(metadata=client.V1ObjectMeta(name="kept", finalizers=["example.com/b"],
                                                        resource_version=first.metadata.resource_version))
    core.replace_namespaced_secret("kept", "web", body)  # one controller done
    second = core.read_namespaced_secret("kept", "web")
    assert second.metadata.deletion_timestamp == first.metadata.deletion_timestamp
    body.metadata.finalizers, body.metadata.resource_version = [], second.metadata.resource_version
    core.replace_namespaced_secret("kept", "web", body)
    assert gone(lambda: core.read_namespaced_secret("kept", "web"))


def test_pod_grace_period_and_pre_stop(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    core.create_namespaced_pod("default", {"metadata": {"name": "slow"}, "spec": {
        "terminationGracePeriodSeconds": 5,
        "containers": [{"name": "c", "image": "nginx", "lifecycle": {"preStop": {"sleep": {"seconds": 1}}}}]}})
    wait_for(lambda: core.read_namespaced_pod("slow", "default").status.phase == "Running")
    started = time.monotonic()
    deleted = core.delete_namespaced_pod("slow", "default")
    assert deleted.metadata.deletion_grace_period_seconds == 5 and deleted.metadata.deletion_timestamp
    assert core.read_namespaced_pod("slow", "default").metadata.deletion_timestamp  # Terminating
    wait_for(lambda: gone(lambda: core.read_namespaced_pod("slow", "default")), timeout=5)
    assert time.monotonic() - started >= 0.9  # the preStop sleep ran
    core.create_namespaced_pod("default", {"metadata": {"name": "now"}, "spec": {
        "containers": [{"name": "c", "image": "nginx", "lifecycle": {"preStop": {"sleep": {"seconds": 30}}}}]}})
    wait_for(lambda: core.read_namespaced_pod("now", "default").status.phase == "Running")
    core.delete_namespaced_pod("now", "default", grace_period_seconds=0)
    assert gone(lambda: core.read_namespaced_pod("now", "default"))


@pytest.mark.parametrize("policy", ["Foreground", "Background", "Orphan"])
def test_cascading_deletion(kube_api_client: client.ApiClient, policy: str) -> None:
    apps, core = client.AppsV1Api(kube_api_client), client.CoreV1Api(kube_api_client)
    rs = apps.list_namespaced_replica_set("web").items[0].metadata.name
    apps.delete_namespaced_deployment("frontend", "web", propagation_policy=policy)
    wait_for(lambda: gone(lambda: apps.read_namespaced_deployment("frontend", "web")))
    pods = core.list_namespaced_pod("web").items
    if policy == "Orphan":
        kept = apps.read_namespaced_replica_set(rs, "web")
        assert not kept.metadata.owner_references and len(pods) == 3
    else:
        assert gone(lambda: apps.read_namespaced_replica_set(rs, "web"))
        wait_for(lambda: not core.list_namespaced_pod("web").items)


def test_foreground_owner_waits_for_dependents(kube_api_client: client.ApiClient) -> None:
    apps, core = client.AppsV1Api(kube_api_client), client.CoreV1Api(kube_api_client)
    pod = core.list_namespaced_pod("web").items[0].metadata.name
    core.patch_namespaced_pod(pod, "web", {"metadata": {"finalizers": ["example.com/hold"]}})
    apps.delete_namespaced_deployment("frontend", "web", propagation_policy="Foreground")
    time.sleep(0.3)
    owner = apps.read_namespaced_deployment("frontend", "web")
    assert owner.metadata.deletion_timestamp and owner.metadata.finalizers == ["foregroundDeletion"]
    assert [p.metadata.name for p in core.list_namespaced_pod("web").items] == [pod]
    core.patch_namespaced_pod(pod, "web", {"metadata": {"finalizers": None}})
    wait_for(lambda: gone(lambda: apps.read_namespaced_deployment("frontend", "web")))
