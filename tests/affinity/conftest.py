"""Fixtures for AffinityService tests: a seeded simulator per test module (these tests taint,
cordon and drain its nodes), registered in the demo server under the module's `CLUSTER`, and a
stub on an authenticated channel."""

from __future__ import annotations

from typing import Iterator

import grpc
import pytest

from kubecommit.v1 import affinity_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster


@pytest.fixture(scope="module")
def aff_sim(demo_server: EmbeddedServer, request: pytest.FixtureRequest) -> Iterator[Simulator]:
    cluster = request.module.CLUSTER.removeprefix("clusters/")
    simulator = Simulator(seed=True, log_interval=5).start()
    register_cluster(demo_server, cluster, simulator.kubeconfig_text(cluster))
    yield simulator
    demo_server.run(demo_server.server.runtime.clusters.delete(cluster))
    simulator.stop()


@pytest.fixture(scope="module")
def channel_aff(demo_server: EmbeddedServer, aff_sim: Simulator) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(demo_server.address) as ch:
        yield with_token(ch, admin_token(demo_server.settings.data_dir))


@pytest.fixture(scope="module")
def affinity(channel_aff: grpc.Channel) -> affinity_pb2_grpc.AffinityServiceStub:
    return affinity_pb2_grpc.AffinityServiceStub(channel_aff)


@pytest.fixture(scope="module")
def versions(channel_aff: grpc.Channel) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel_aff)
