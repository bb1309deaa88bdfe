"""Fixtures for AffinityService tests: a seeded simulator of their own (these tests taint,
cordon and drain its nodes), registered as `clusters/aff` in the demo server, and a stub on an
authenticated channel."""

from __future__ import annotations

from typing import Iterator

import grpc
import pytest

from kubecommit.v1 import affinity_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster

CLUSTER = "clusters/aff"


@pytest.fixture(scope="module")
def aff_sim(demo_server: EmbeddedServer) -> Iterator[Simulator]:
    simulator = Simulator(seed=True, log_interval=5).start()
    register_cluster(demo_server, "aff", simulator.kubeconfig_text("aff"))
    yield simulator
    demo_server.run(demo_server.server.runtime.clusters.delete("aff"))
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
