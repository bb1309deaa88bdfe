"""Two seeded simulators registered as clusters/east and clusters/west on a server of this
folder's own, with LabelsService and YamlVersionsService stubs for an admin and for `alice`."""

from __future__ import annotations

from typing import Callable, Iterator

import grpc
import pytest

from kubecommit.v1 import labels_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, make_token, with_token
from tests.support.clusters import register_cluster


@pytest.fixture(scope="module")
def sims() -> Iterator[dict[str, Simulator]]:
    started = {name: Simulator(seed=True, log_interval=None).start() for name in ("east", "west")}
    yield started
    for sim in started.values():
        sim.stop()


@pytest.fixture(scope="module")
def labels_server(server_factory: Callable[..., EmbeddedServer], sims: dict[str, Simulator]) -> EmbeddedServer:
    embedded = server_factory(watch_cache_enabled=True)
    for name, sim in sims.items():
        register_cluster(embedded, name, sim.kubeconfig_text(name))
    return embedded


@pytest.fixture(scope="module")
def admin_channel(labels_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(labels_server.address) as ch:
        yield with_token(ch, admin_token(labels_server.settings.data_dir))


@pytest.fixture(scope="module")
def labels(admin_channel: grpc.Channel) -> labels_pb2_grpc.LabelsServiceStub:
    return labels_pb2_grpc.LabelsServiceStub(admin_channel)


@pytest.fixture(scope="module")
def versions(admin_channel: grpc.Channel) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(admin_channel)


@pytest.fixture(scope="module")
def alice(labels_server: EmbeddedServer) -> Iterator[labels_pb2_grpc.LabelsServiceStub]:
    token = make_token(labels_server, "alice", "admin")
    with grpc.insecure_channel(labels_server.address) as ch:
        yield labels_pb2_grpc.LabelsServiceStub(with_token(ch, token))
