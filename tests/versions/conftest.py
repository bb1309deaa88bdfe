"""Fixtures for YamlVersionsService tests: a stub on an authenticated channel to the demo server
(kubesim registered as clusters/demo), and a fresh namespace per test (kubesim objects persist
across the session)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import grpc
import pytest

from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token

CLUSTER = "clusters/demo"


@pytest.fixture(scope="module")
def versions(demo_server: EmbeddedServer) -> Iterator[yaml_versions_pb2_grpc.YamlVersionsServiceStub]:
    with grpc.insecure_channel(demo_server.address) as ch:
        yield yaml_versions_pb2_grpc.YamlVersionsServiceStub(
            with_token(ch, admin_token(demo_server.settings.data_dir)))


@pytest.fixture()
def namespace(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> str:
    """A namespace of its own, created through kubecommit (so it is tracked in main)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n",
        message=f"namespace {name}"))
    return name


@pytest.fixture(scope="module")
def kubeconfig(sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulator's kubeconfig on disk, for kubectl and the raw client (out-of-band changes)."""
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(sim.kubeconfig_text("demo"))
    return path


def deployment(name: str, namespace: str, image: str = "nginx:1.25", replicas: int = 1) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: {image}
"""


def resource(namespace: str, name: str) -> str:
    return f"{CLUSTER}/namespaces/{namespace}/deployments.apps/{name}"
