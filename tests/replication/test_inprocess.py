"""Two in-process replicas (EmbeddedServer) on one kubesim Lease, one `git daemon` remote and one
PostgreSQL, for what a subprocess would only make slower:

- with `forward_to_leader: false` (replicas that cannot reach each other) a follower does not
  forward: it answers a write FAILED_PRECONDITION `NOT_LEADER` naming the leader's address, for
  a writing RPC and for CallTool of a tool that writes, and still serves reads;
- credentials are shared, so when the leader replaces a cluster's kubeconfig (an UpdateCluster
  sent to the follower and forwarded), the follower's own reads of that cluster use the new one
  once it has fetched the change;
- and a replica needs the shared database at all."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import grpc
import pytest
from google.protobuf import field_mask_pb2, struct_pb2
from kubernetes import client
from kubernetes import config as kube_config

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, mcp_pb2, mcp_pb2_grpc
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


Replicas = Callable[[bool], tuple[EmbeddedServer, EmbeddedServer]]


@pytest.fixture()
def sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=False, log_interval=None).start()
    yield simulator
    simulator.stop()


@pytest.fixture()
def replicas(tmp_path: Path, postgres: PostgresServer, sim: Simulator) -> Iterator[Replicas]:
    """Starts a leader, then a follower forwarding or not (the argument)."""
    (tmp_path / "remote").mkdir()
    remote = GitDaemon(tmp_path / "remote").start()
    database_url = postgres.new_database()
    started: list[EmbeddedServer] = []

    def replica(name: str, forward: bool) -> EmbeddedServer:
        listen = f"127.0.0.1:{free_port()}"
        server = EmbeddedServer(Settings(
            listen=listen, data_dir=tmp_path / name, database_url=database_url, mirror_url=remote.url,
            lease_name="kubecommit-leader", lease_kubeconfig=sim.write_kubeconfig(tmp_path / "lease.kubeconfig"),
            lease_duration_seconds=3.0, lease_renew_deadline_seconds=2.0, lease_retry_period_seconds=0.5,
            jobs_enabled=False, forward_to_leader=forward)).start()
        started.append(server)
        return server

    def pair(forward: bool) -> tuple[EmbeddedServer, EmbeddedServer]:
        leader = replica("a", True)
        wait(lambda: check(leader.address, "kubecommit.Leader", timeout=1), "the first replica never led")
        (tmp_path / "b").mkdir()
        shutil.copy(tmp_path / "a" / "store.key", tmp_path / "b" / "store.key")  # one store key
        follower = replica("b", forward)
        wait(lambda: _knows_the_leader(follower, token_of(leader)), "the follower never saw the lease")
        return leader, follower

    try:
        yield pair
    finally:
        for server in started:
            server.stop()
        remote.stop()


def wait(condition: Callable[[], Any], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _knows_the_leader(follower: EmbeddedServer, token: tuple[tuple[str, str]]) -> bool:
    """Until its first look at the Lease a new replica answers writes NO_LEADER, as clients see."""
    with grpc.insecure_channel(follower.address) as channel:
        try:  # a write that is refused whoever leads (no such branch), once it got past leadership
            yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel).DeleteBranch(
                pb.DeleteBranchRequest(name="branches/none"), metadata=token, timeout=10)
        except grpc.RpcError as error:
            return details(error).reason != "NO_LEADER"
    return True


def token_of(leader: EmbeddedServer) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {admin_token(leader.settings.data_dir)}"),)  # tokens are shared


def test_a_follower_without_forwarding_names_the_leader(replicas: Replicas) -> None:
    leader, follower = replicas(False)
    token = token_of(leader)
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


def configmaps(channel: grpc.Channel, token: tuple[tuple[str, str]]) -> list[str]:
    """The ConfigMaps of clusters/demo's default namespace, read by the replica at the channel."""
    reply = clusters_pb2_grpc.ClustersServiceStub(channel).ListResources(clusters_pb2.ListResourcesRequest(
        parent="clusters/demo", resource_type="configmaps", namespace="default"), metadata=token, timeout=10)
    return sorted(r.name.rsplit("/", 1)[-1] for r in reply.resources)


def test_a_follower_reads_with_the_credentials_the_leader_replaced(replicas: Replicas, sim: Simulator,
                                                                    tmp_path: Path) -> None:
    leader, follower = replicas(True)
    token = token_of(leader)
    other = Simulator(seed=False, log_interval=None).start()
    try:
        for where, name in ((sim, "only-in-first"), (other, "only-in-second")):
            with kube_config.new_client_from_config(str(where.write_kubeconfig(tmp_path / f"{name}.kubeconfig"))) \
                    as api:
                client.CoreV1Api(api).create_namespaced_config_map("default", {"metadata": {"name": name}})
        with grpc.insecure_channel(follower.address) as channel:
            registry = clusters_pb2_grpc.ClustersServiceStub(channel)
            # Registered through the follower (forwarded): the leader commits it and keeps the
            # credentials in the shared database.
            registry.CreateCluster(clusters_pb2.CreateClusterRequest(
                cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=sim.kubeconfig_text("demo"))),
                metadata=token, timeout=15)
            wait(lambda: _listed(channel, token) == ["only-in-first"], "the follower never read the cluster")
            # The kubeconfig replaced (now another cluster's): the follower's pooled connection
            # goes once it has fetched the new registration.
            registry.UpdateCluster(clusters_pb2.UpdateClusterRequest(
                cluster=clusters_pb2.Cluster(name="clusters/demo", kubeconfig=other.kubeconfig_text("demo")),
                update_mask=field_mask_pb2.FieldMask(paths=["kubeconfig"])), metadata=token, timeout=15)
            wait(lambda: _listed(channel, token) == ["only-in-second"], "the follower kept the old credentials")
    finally:
        other.stop()


def _listed(channel: grpc.Channel, token: tuple[tuple[str, str]]) -> list[str] | None:
    try:
        return configmaps(channel, token)
    except grpc.RpcError:  # not fetched yet
        return None


@pytest.fixture()
def lease_without_database(tmp_path: Any) -> Iterator[Settings]:
    yield Settings(data_dir=tmp_path, lease_name="kubecommit-leader", mirror_url="git://127.0.0.1:9/store.git")


async def test_replicas_need_the_shared_database(lease_without_database: Settings) -> None:
    """Credentials, intents and tokens must be shared for a new leader to carry on."""
    with pytest.raises(FailedPrecondition) as refused:
        await Runtime.create(lease_without_database)
    assert refused.value.reason == "DATABASE_REQUIRED"
