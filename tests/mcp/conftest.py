"""Fixtures for McpService tests: a seeded simulator of their own (the tests merge fixes into it)
registered as `clusters/demo`, and stubs for admin and viewer tokens."""

from __future__ import annotations

from typing import Callable, Iterator

import grpc
import pytest

from kubecommit.v1 import mcp_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, make_token, with_token
from tests.support.clusters import register_cluster


@pytest.fixture(scope="package")
def mcp_sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=True, log_interval=0.5).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="package")
def mcp_server(server_factory: Callable[..., EmbeddedServer], mcp_sim: Simulator) -> EmbeddedServer:
    embedded = server_factory(mcp_http_listen="127.0.0.1:0")
    register_cluster(embedded, "demo", mcp_sim.kubeconfig_text("demo"))
    return embedded


@pytest.fixture(scope="package")
def admin(mcp_server: EmbeddedServer) -> str:
    return admin_token(mcp_server.settings.data_dir)


@pytest.fixture(scope="package")
def viewer(mcp_server: EmbeddedServer) -> str:
    return make_token(mcp_server, "viewer", "viewer")


@pytest.fixture()
def mcp(mcp_server: EmbeddedServer, admin: str) -> Iterator[mcp_pb2_grpc.McpServiceStub]:
    with grpc.insecure_channel(mcp_server.address) as ch:
        yield mcp_pb2_grpc.McpServiceStub(with_token(ch, admin))


@pytest.fixture()
def mcp_viewer(mcp_server: EmbeddedServer, viewer: str) -> Iterator[mcp_pb2_grpc.McpServiceStub]:
    with grpc.insecure_channel(mcp_server.address) as ch:
        yield mcp_pb2_grpc.McpServiceStub(with_token(ch, viewer))


@pytest.fixture()
def versions(mcp_server: EmbeddedServer, admin: str) -> Iterator[yaml_versions_pb2_grpc.YamlVersionsServiceStub]:
    with grpc.insecure_channel(mcp_server.address) as ch:
        yield yaml_versions_pb2_grpc.YamlVersionsServiceStub(with_token(ch, admin))
