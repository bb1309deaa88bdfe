"""Controllers clients expect to find: the service-account controller, ReplicationControllers and the
aggregator's APIServices."""

from __future__ import annotations

import subprocess
from typing import Callable

from kubernetes import client

from kubesim.testing import wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]


def test_new_namespaces_get_a_default_service_account(kubectl: Kubectl) -> None:
    assert kubectl("get", "sa", "default", "-n", "web", "-o", "name").stdout == b"serviceaccount/default\n"
    kubectl("create", "namespace", "fresh")
    wait_for(lambda: kubectl("get", "sa", "-n", "fresh", "-o", "name", check=False).stdout
             == b"serviceaccount/default\n")


def test_replication_controller_keeps_its_pods(kube_api_client: client.ApiClient, kubectl: Kubectl) -> None:
    core = client.CoreV1Api(kube_api_client)
    core.create_namespaced_replication_controller("default", {
        "metadata": {"name": "legacy"}, "spec": {"replicas": 2, "template": {
            "metadata": {"labels": {"app": "legacy"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    rc = core.read_namespaced_replication_controller("legacy", "default")
    assert rc.spec.selector == {"app": "legacy"}  # defaulted from the template
    wait_for(lambda: core.read_namespaced_replication_controller("legacy", "default").status.ready_replicas == 2)
    kubectl("scale", "rc", "legacy", "-n", "default", "--replicas=3")
    wait_for(lambda: len(core.list_namespaced_pod("default", label_selector="app=legacy").items) == 3)
    row = kubectl("get", "rc", "legacy", "-n", "default").stdout.decode().splitlines()[1].split()
    assert row[:4] == ["legacy", "3", "3", "3"]
    victim = core.list_namespaced_pod("default", label_selector="app=legacy").items[0].metadata.name
    core.delete_namespaced_pod(victim, "default")
    wait_for(lambda: {p.metadata.name for p in core.list_namespaced_pod("default", label_selector="app=legacy").items}
             - {victim} and len(core.list_namespaced_pod("default", label_selector="app=legacy").items) == 3)


def test_api_services_follow_served_groups(kube_api_client: client.ApiClient, kubectl: Kubectl) -> None:
    reg = client.ApiregistrationV1Api(kube_api_client)
    names = {a.metadata.name for a in reg.list_api_service().items}
    assert {"v1.", "v1.apps", "v1.example.com", "v1beta1.example.com"} <= names
    table = kubectl("get", "apiservices").stdout.decode().splitlines()
    assert table[0].split() == ["NAME", "SERVICE", "AVAILABLE", "AGE"]
    assert any(line.split()[:3] == ["v1.apps", "Local", "True"] for line in table)
    kubectl("delete", "crd", "widgets.example.com")
    wait_for(lambda: "v1.example.com" not in {a.metadata.name for a in reg.list_api_service().items})
