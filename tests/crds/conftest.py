"""Two seeded simulators of their own (these tests change the widgets CRD), registered as
clusters/east and clusters/west in a server of their own; stubs on an authenticated channel."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import grpc
import pytest
import yaml

from kubecommit.v1 import crd_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from kubesim.seed import WIDGET_CRD
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster

CRDS = "customresourcedefinitions.apiextensions.k8s.io"
WIDGETS = "widgets.example.com"


@pytest.fixture(scope="module")
def sims() -> Iterator[dict[str, Simulator]]:
    started = {name: Simulator(seed=True, log_interval=0).start() for name in ("east", "west")}
    yield started
    for sim in started.values():
        sim.stop()


@pytest.fixture(scope="module")
def crd_server(server_factory: Callable[..., EmbeddedServer], sims: dict[str, Simulator]) -> EmbeddedServer:
    embedded = server_factory()
    for name, sim in sims.items():
        register_cluster(embedded, name, sim.kubeconfig_text(name))
    return embedded


@pytest.fixture(scope="module")
def channel_to(crd_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(crd_server.address) as ch:
        yield with_token(ch, admin_token(crd_server.settings.data_dir))


@pytest.fixture(scope="module")
def crds(channel_to: grpc.Channel) -> crd_pb2_grpc.CrdServiceStub:
    return crd_pb2_grpc.CrdServiceStub(channel_to)


@pytest.fixture(scope="module")
def versions(channel_to: grpc.Channel) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel_to)


def widget_crd(change: Callable[[dict[str, Any]], None]) -> str:
    """The seed's widgets CRD as YAML, changed by `change(v1 schema's spec)`."""
    crd = json.loads(json.dumps(WIDGET_CRD))  # versions share one schema object in the seed
    for version in crd["spec"]["versions"]:
        change(version["schema"]["openAPIV3Schema"]["properties"]["spec"])
    return yaml.safe_dump(crd)
