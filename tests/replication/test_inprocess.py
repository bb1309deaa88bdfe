"""Two in-process replicas (EmbeddedServer) on one kubesim Lease, one `git daemon` remote and one
PostgreSQL, for what a subprocess would only make slower:

- with `forward_to_leader: false` (replicas that cannot reach each other) a follower does not
  forward: it answers a write FAILED_PRECONDITION `NOT_LEADER` naming the leader's address, for
  a writing RPC and for CallTool of a tool that writes, and still serves reads;
- credentials are shared, so when the leader replaces a cluster's kubeconfig (an UpdateCluster
  sent to the follower and forwarded), the follower's own reads of that cluster use the new one
  once it has fetched the change, even in a process holding over a thousand descriptors;
- cluster reachability is shared state too: a follower that never reached a cluster answers
  with what the leader observed (CONNECTED, its nodes, its last sync), not DISCONNECTED;
- a leader that cannot renew its Lease writes nothing to a cluster once its renew deadline has
  passed, even for a call it accepted while it led: the write is refused UNAVAILABLE `LEASE_LOST`
  and the retry, through the same replica, is forwarded to the successor;
- a notification channel created through one leader is signed for by the next: its secret is in
  the shared database, not in the first leader's data directory;
- and a replica needs the shared database at all."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import grpc
import pytest
from google.protobuf import field_mask_pb2, struct_pb2
from grpc_health.v1 import health_pb2
from kubernetes import client
from kubernetes import config as kube_config

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, mcp_pb2, mcp_pb2_grpc, operations_pb2, operations_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.embedded import EmbeddedServer
from server.errors import FailedPrecondition
from server.probe import check
from server.runtime import Runtime
from tests.jobs.conftest import Receiver
from tests.jobs.test_quota_alerts import _verified
from tests.support.auth import admin_token
from tests.observability.test_metrics import scrape, value
from tests.replication.test_mirror import mirror_health
from tests.support.descriptors import crowded
from tests.support.faults import FaultyCluster
from tests.support.gitremote import GitDaemon, free_port
from tests.support.postgres import PostgresServer
from tests.support.status import details


# (forward, where the first replica reaches the Lease: kubesim's kubeconfig when None).
Replicas = Callable[[bool, Path | None], tuple[EmbeddedServer, EmbeddedServer]]


@pytest.fixture()
def sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=False, log_interval=None).start()
    yield simulator
    simulator.stop()


@pytest.fixture()
def remote(tmp_path: Path) -> Iterator[GitDaemon]:
    (tmp_path / "remote").mkdir()
    daemon = GitDaemon(tmp_path / "remote").start()
    yield daemon
    daemon.stop()


@pytest.fixture()
def replicas(tmp_path: Path, postgres: PostgresServer, sim: Simulator, remote: GitDaemon) -> Iterator[Replicas]:
    """Starts a leader, then a follower forwarding or not (the argument)."""
    database_url = postgres.new_database()
    started: list[EmbeddedServer] = []

    def replica(name: str, forward: bool, lease: Path | None = None) -> EmbeddedServer:
        listen = f"127.0.0.1:{free_port()}"
        server = EmbeddedServer(Settings(
            listen=listen, data_dir=tmp_path / name, database_url=database_url, mirror_url=remote.url,
            lease_name="kubecommit-leader",
            lease_kubeconfig=lease or sim.write_kubeconfig(tmp_path / "lease.kubeconfig"),
            lease_duration_seconds=3.0, lease_renew_deadline_seconds=2.0, lease_retry_period_seconds=0.5,
            jobs_enabled=False, forward_to_leader=forward, cluster_timeout_seconds=120,
            metrics_listen="127.0.0.1:0")).start()
        started.append(server)
        return server

    def pair(forward: bool, lease: Path | None = None) -> tuple[EmbeddedServer, EmbeddedServer]:
        leader = replica("a", True, lease)
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
    leader, follower = replicas(False, None)
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
    leader, follower = replicas(True, None)
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
            # Both replicas share this process, holding descriptors past 1024 from here on, as a
            # busy server does: the follower's fetch of the update must still work.
            with crowded():
                registry.UpdateCluster(clusters_pb2.UpdateClusterRequest(
                    cluster=clusters_pb2.Cluster(name="clusters/demo", kubeconfig=other.kubeconfig_text("demo")),
                    update_mask=field_mask_pb2.FieldMask(paths=["kubeconfig"])), metadata=token, timeout=15)
                wait(lambda: _listed(channel, token) == ["only-in-second"], "the follower kept the old credentials")
    finally:
        other.stop()


def test_a_follower_that_cannot_fetch_says_so_until_it_can(replicas: Replicas, remote: GitDaemon) -> None:
    """Its reads fall behind the leader's writes while the remote is away: health
    `kubecommit.Mirror` NOT_SERVING, failed fetches counted and an alert on the follower's
    fetches; SERVING again and the alert resolved once it fetches."""
    leader, follower = replicas(True, None)
    token = token_of(leader)
    with grpc.insecure_channel(follower.address) as channel:
        wait(lambda: mirror_health(channel) == health_pb2.HealthCheckResponse.SERVING, "the follower never fetched")
        before = scrape(follower)
        remote.stop()
        try:
            wait(lambda: mirror_health(channel) == health_pb2.HealthCheckResponse.NOT_SERVING,
                 "the follower's health never said it cannot fetch")
            assert value(scrape(follower), "kubecommit_mirror_fetches_total", result="failed") > \
                value(before, "kubecommit_mirror_fetches_total", result="failed")
            wait(lambda: fetch_alert(follower, token) == operations_pb2.ALERT_STATE_FIRING,
                 "no alert fired for the follower's fetches")
        finally:
            remote.start()
        wait(lambda: mirror_health(channel) == health_pb2.HealthCheckResponse.SERVING,
             "the follower's health stayed NOT_SERVING after the remote came back")
        assert value(scrape(follower), "kubecommit_mirror_last_fetch_timestamp_seconds") > time.time() - 30
        assert fetch_alert(follower, token) == operations_pb2.ALERT_STATE_RESOLVED


def fetch_alert(follower: EmbeddedServer, token: tuple[tuple[str, str]]) -> int | None:
    """The state of the newest alert about this follower's fetches (in the shared database)."""
    assert follower.server.runtime is not None and follower.server.runtime.replication is not None
    subject = f"mirror/fetch/{follower.server.runtime.replication.elector.identity}"
    with grpc.insecure_channel(follower.address) as channel:
        alerts = operations_pb2_grpc.OperationsServiceStub(channel).ListAlerts(
            operations_pb2.ListAlertsRequest(filter=f"subject={subject}"), metadata=token, timeout=10).alerts
    return alerts[0].state if alerts else None


def test_every_replica_answers_the_reachability_the_leader_observed(replicas: Replicas, sim: Simulator) -> None:
    leader, follower = replicas(True, None)
    token = token_of(leader)
    with grpc.insecure_channel(follower.address) as channel:
        registry = clusters_pb2_grpc.ClustersServiceStub(channel)
        # Forwarded: the leader probes the cluster, registers it and records it reachable; then
        # it syncs it (the counts and the time of the sync).
        registry.CreateCluster(clusters_pb2.CreateClusterRequest(
            cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=sim.kubeconfig_text("demo"))),
            metadata=token, timeout=15)
        list(registry.SyncCluster(clusters_pb2.SyncClusterRequest(name="clusters/demo"), metadata=token,
                                  timeout=30))
        wait(lambda: _registered(channel, token), "the follower never fetched the registration")
        # The follower has not called the cluster (jobs are off, it reads nothing from it).
        seen = registry.GetCluster(clusters_pb2.GetClusterRequest(name="clusters/demo"), metadata=token,
                                   timeout=10)
    with grpc.insecure_channel(leader.address) as channel:
        observed = clusters_pb2_grpc.ClustersServiceStub(channel).GetCluster(
            clusters_pb2.GetClusterRequest(name="clusters/demo"), metadata=token, timeout=10)
    assert seen.state == clusters_pb2.CLUSTER_STATE_CONNECTED and seen.node_count >= 1
    assert seen.last_sync_time.seconds > 0 and seen.last_sync_time == observed.last_sync_time
    assert (seen.state, seen.node_count, seen.resource_count) == \
        (observed.state, observed.node_count, observed.resource_count)


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fenced\n  namespace: default\ndata:\n  a: b\n"


def _apply_fenced(address: str, token: tuple[tuple[str, str]]) -> pb.ApplyManifestResponse:
    with grpc.insecure_channel(address) as channel:
        return yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel).ApplyManifest(pb.ApplyManifestRequest(
            cluster="clusters/demo", message="fenced", manifest=CONFIGMAP), metadata=token, timeout=180)


def _in_cluster(sim: Simulator, tmp_path: Path) -> bool:
    with kube_config.new_client_from_config(str(sim.write_kubeconfig(tmp_path / "direct.kubeconfig"))) as api:
        names = [c.metadata.name for c in client.CoreV1Api(api).list_namespaced_config_map("default").items]
    return "fenced" in names


def test_a_leader_that_cannot_renew_its_lease_writes_nothing(replicas: Replicas, sim: Simulator,
                                                             tmp_path: Path) -> None:
    renewing = threading.Event()
    renewing.set()
    # One proxy in front of kubesim: the first replica reaches the Lease through it (its renewals
    # refused once `renewing` is cleared), and every replica the managed cluster (the server-side
    # dry run of the ConfigMap `fenced` held until the test releases it).
    proxy = FaultyCluster(
        sim, refuse=lambda r: not renewing.is_set() and r.method == "PUT" and "/leases/" in r.path,
        hold=lambda r: r.method == "PATCH" and r.query.get("dryRun") == "All" and r.path.endswith("/fenced")).start()
    try:
        lease = tmp_path / "proxied-lease.kubeconfig"
        lease.write_text(proxy.kubeconfig_text("lease"))
        leader, follower = replicas(True, lease)
        token = token_of(leader)
        with grpc.insecure_channel(leader.address) as channel:
            clusters_pb2_grpc.ClustersServiceStub(channel).CreateCluster(clusters_pb2.CreateClusterRequest(
                cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=proxy.kubeconfig_text("demo"))),
                metadata=token, timeout=15)
        with ThreadPoolExecutor(1) as pool:
            # Accepted while the first replica leads; its dry run waits in the proxy.
            accepted = pool.submit(_apply_fenced, leader.address, token)
            wait(lambda: proxy.holding == 1, "the apply never reached its dry run", 60)
            renewing.clear()  # from now on the leader cannot renew
            wait(lambda: check(follower.address, "kubecommit.Leader", timeout=1), "the follower never took over",
                 120)
            proxy.release.set()
            with pytest.raises(grpc.RpcError) as refused:
                accepted.result(180)
        info = details(refused.value)
        assert info.code is grpc.StatusCode.UNAVAILABLE and info.reason == "LEASE_LOST", info
        assert not _in_cluster(sim, tmp_path)  # nothing reached the cluster
        # The caller's retry, to the same replica, now a follower: forwarded to the new leader.
        deadline = time.monotonic() + 120
        while True:
            try:
                applied = _apply_fenced(leader.address, token)
                break
            except grpc.RpcError as error:
                assert error.code() is grpc.StatusCode.UNAVAILABLE and time.monotonic() < deadline, details(error)
                time.sleep(0.5)
        assert applied.commit and _in_cluster(sim, tmp_path)
        with grpc.insecure_channel(follower.address) as channel:
            history = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel).ListCommits(
                pb.ListCommitsRequest(), metadata=token, timeout=10)
        assert [c.message for c in history.commits].count("fenced") == 1
    finally:
        proxy.release.set()
        proxy.stop()


def _registered(channel: grpc.Channel, token: tuple[tuple[str, str]]) -> bool:
    try:
        clusters_pb2_grpc.ClustersServiceStub(channel).GetCluster(
            clusters_pb2.GetClusterRequest(name="clusters/demo"), metadata=token, timeout=10)
    except grpc.RpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return False
        raise
    return True


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


def test_a_follower_keeps_fetching_after_an_unexpected_fetch_error(replicas: Replicas, sim: Simulator) -> None:
    leader, follower = replicas(True, None)
    replication = follower.server.runtime.replication
    assert replication is not None
    real, failures = replication.storage.fetch, []

    async def failing_once(url: str) -> None:
        if not failures:
            failures.append(url)
            raise KeyError("a ref vanished during the fetch")  # not a RemoteError
        await real(url)

    replication.storage.fetch = failing_once
    wait(lambda: failures, "the follower never fetched")
    token = token_of(leader)
    with grpc.insecure_channel(follower.address) as channel:
        clusters_pb2_grpc.ClustersServiceStub(channel).CreateCluster(clusters_pb2.CreateClusterRequest(
            cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=sim.kubeconfig_text("demo"))),
            metadata=token, timeout=15)
        wait(lambda: _registered(channel, token), "the follower stopped fetching after one error")


def test_the_next_leader_signs_for_a_channel_the_first_one_made(replicas: Replicas, receiver: Receiver) -> None:
    leader, follower = replicas(True, None)
    token = token_of(leader)
    marker = f"for={uuid.uuid4().hex}"
    with grpc.insecure_channel(follower.address) as channel:
        ops = operations_pb2_grpc.OperationsServiceStub(channel)
        made = ops.CreateNotificationChannel(operations_pb2.CreateNotificationChannelRequest(
            notification_channel_id="pager", notification_channel=operations_pb2.NotificationChannel(
                url=f"{receiver.url}?{marker}")), metadata=token, timeout=15)  # forwarded: the leader made it
        assert made.secret
        leader.stop()  # releases the Lease
        wait(lambda: check(follower.address, "kubecommit.Leader", timeout=1), "the follower never took over")
        tested = ops.TestNotificationChannel(operations_pb2.TestNotificationChannelRequest(name=made.name),
                                             metadata=token, timeout=60)
    assert tested.delivered, list(tested.deliveries)
    # Signed with the secret its creator was shown, by a replica that did not make it.
    assert len(_verified(list(receiver.received), made.secret, made.name, marker)) == 1
