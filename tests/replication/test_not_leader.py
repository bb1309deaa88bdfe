"""With `forward_to_leader: false` (replicas that cannot reach each other), a follower does not
forward: it answers a write FAILED_PRECONDITION `NOT_LEADER` naming the leader's address, for a
writing RPC and for CallTool of a tool that writes, and still serves reads. Two in-process
replicas on one kubesim Lease, one `git daemon` remote and one PostgreSQL. And a replica needs
the shared database at all."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Iterator

import grpc
import pytest
from google.protobuf import struct_pb2

from kubecommit.v1 import mcp_pb2, mcp_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.embedded import EmbeddedServer
from server.errors import FailedPrecondition
from server.probe import check
from server.runtime import Runtime
from tests.support.auth import admin_token
from tests.support.gitremote import GitDaemon, free_port
from tests.support.postgres import PostgresServer
from tests.support.status import details


@pytest.fixture()
def replicas(tmp_path: Path, postgres: PostgresServer) -> Iterator[tuple[EmbeddedServer, EmbeddedServer]]:
    sim = Simulator(seed=False, log_interval=None).start()
    (tmp_path / "remote").mkdir()
    remote = GitDaemon(tmp_path / "remote").start()
    database_url = postgres.new_database()
    started: list[EmbeddedServer] = []

    def replica(name: str) -> EmbeddedServer:
        listen = f"127.0.0.1:{free_port()}"
        server = EmbeddedServer(Settings(
            listen=listen, data_dir=tmp_path / name, database_url=database_url, mirror_url=remote.url,
            lease_name="kubecommit-leader", lease_kubeconfig=sim.write_kubeconfig(tmp_path / "lease.kubeconfig"),
            lease_duration_seconds=3.0, lease_renew_deadline_seconds=2.0, lease_retry_period_seconds=0.5,
            jobs_enabled=False, forward_to_leader=False)).start()
        started.append(server)
        return server

    try:
        leader = replica("a")
        deadline = time.monotonic() + 30
        while not check(leader.address, "kubecommit.Leader", timeout=1):
            assert time.monotonic() < deadline, "the first replica never led"
            time.sleep(0.1)
        (tmp_path / "b").mkdir()
        shutil.copy(tmp_path / "a" / "store.key", tmp_path / "b" / "store.key")  # one store key
        yield leader, replica("b")
    finally:
        for server in started:
            server.stop()
        remote.stop()
        sim.stop()


def test_a_follower_without_forwarding_names_the_leader(replicas: tuple[EmbeddedServer, EmbeddedServer]) -> None:
    leader, follower = replicas
    token = (("authorization", f"Bearer {admin_token(leader.settings.data_dir)}"),)  # tokens are shared
    with grpc.insecure_channel(follower.address) as channel:
        versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            versions.ApplyManifest(pb.ApplyManifestRequest(
                cluster="clusters/demo", message="m",
                manifest="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\n"),
                metadata=token, timeout=10)
        info = details(refused.value)
        assert info.code is grpc.StatusCode.FAILED_PRECONDITION and info.reason == "NOT_LEADER"
        assert info.metadata["leader_address"] == leader.address
        arguments = struct_pb2.Struct()
        arguments.update({"cluster": "clusters/demo", "manifest": "kind: ConfigMap", "message": "tool"})
        with pytest.raises(grpc.RpcError) as tool_refused:
            mcp_pb2_grpc.McpServiceStub(channel).CallTool(mcp_pb2.CallToolRequest(
                name="tools/propose_change", arguments=arguments), metadata=token, timeout=10)
        assert details(tool_refused.value).reason == "NOT_LEADER"
        # Reads are served where they arrive.
        assert not versions.ListBranches(pb.ListBranchesRequest(), metadata=token, timeout=10).branches  # empty

@pytest.fixture()
def lease_without_database(tmp_path: Any) -> Iterator[Settings]:
    yield Settings(data_dir=tmp_path, lease_name="kubecommit-leader", mirror_url="git://127.0.0.1:9/store.git")


async def test_replicas_need_the_shared_database(lease_without_database: Settings) -> None:
    """Credentials, intents and tokens must be shared for a new leader to carry on."""
    with pytest.raises(FailedPrecondition) as refused:
        await Runtime.create(lease_without_database)
    assert refused.value.reason == "DATABASE_REQUIRED"
