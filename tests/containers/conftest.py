"""ContainersService stubs against the session's demo server (kubesim registered as clusters/demo),
and a kubernetes client on the same simulator for arranging pods."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from kubernetes import client

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from kubesim import Simulator
from kubesim.testing import api_client_from
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token

WEB = "clusters/demo/namespaces/web"


@pytest.fixture()
def stub(demo_server: EmbeddedServer) -> Iterator[containers_pb2_grpc.ContainersServiceStub]:
    with grpc.insecure_channel(demo_server.address) as ch:
        yield containers_pb2_grpc.ContainersServiceStub(with_token(ch, admin_token(demo_server.settings.data_dir)))


@pytest.fixture(scope="session")
def kube(sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[client.ApiClient]:
    path: Path = sim.write_kubeconfig(tmp_path_factory.mktemp("kube") / "kubeconfig", name="demo")
    api = api_client_from(path)
    yield api
    api.close()


def containers(stub: containers_pb2_grpc.ContainersServiceStub, parent: str = WEB,
               selector: str = "app=frontend") -> list[pb.Container]:
    return list(stub.ListContainers(pb.ListContainersRequest(parent=parent, label_selector=selector)).containers)


def container_name(stub: containers_pb2_grpc.ContainersServiceStub, parent: str = WEB,
                   selector: str = "app=frontend") -> str:
    """A running container's resource name."""
    return next(c.name for c in containers(stub, parent, selector) if c.state == "running")


@pytest.fixture()
def namespace(kube: client.ApiClient) -> Iterator[str]:
    """A fresh namespace with a Deployment `ticker` of three pods (container `app`)."""
    name = f"t-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(kube).create_namespace({"metadata": {"name": name}})
    client.AppsV1Api(kube).create_namespaced_deployment(name, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ticker"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "ticker"}},
                 "template": {"metadata": {"labels": {"app": "ticker"}},
                              "spec": {"containers": [{"name": "app", "image": "ticker:1"}]}}}})
    yield name
    client.CoreV1Api(kube).delete_namespace(name)


def ticker_pods(kube: client.ApiClient, namespace: str) -> list[str]:
    pods = client.CoreV1Api(kube).list_namespaced_pod(namespace, label_selector="app=ticker").items
    return sorted(p.metadata.name for p in pods if p.status.phase == "Running")
