"""Fixtures for AffinityService tests: per test module, a seeded simulator (these tests taint,
cordon and drain its nodes) and a server of its own (its commits stay out of the session's shared
server), the simulator registered under the module's `CLUSTER`; stubs on an authenticated
channel."""

from __future__ import annotations

from typing import Callable, Iterator

import grpc
import pytest

from kubecommit.v1 import affinity_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster


@pytest.fixture(scope="module")
def aff_server(server_factory: Callable[..., EmbeddedServer]) -> Iterator[EmbeddedServer]:
    embedded = server_factory()
    yield embedded
    embedded.stop()  # now, not at the session's end (stopping twice is harmless)


@pytest.fixture(scope="module")
def aff_sim(aff_server: EmbeddedServer, request: pytest.FixtureRequest) -> Iterator[Simulator]:
    cluster = request.module.CLUSTER.removeprefix("clusters/")
    simulator = Simulator(seed=True, log_interval=5).start()
    register_cluster(aff_server, cluster, simulator.kubeconfig_text(cluster))
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def channel_aff(aff_server: EmbeddedServer, aff_sim: Simulator) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(aff_server.address) as ch:
        yield with_token(ch, admin_token(aff_server.settings.data_dir))


@pytest.fixture(scope="module")
def affinity(channel_aff: grpc.Channel) -> affinity_pb2_grpc.AffinityServiceStub:
    return affinity_pb2_grpc.AffinityServiceStub(channel_aff)


@pytest.fixture(scope="module")
def versions(channel_aff: grpc.Channel) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel_aff)
