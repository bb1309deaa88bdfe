"""Three `kubecommit serve` processes, one kubesim holding their Lease and serving the cluster
they manage, one `git daemon` remote, one PostgreSQL, and a Service in front (a loopback proxy
that round-robins new connections over the replicas whose readiness probe passes).

The leader writes and pushes; followers forward writes and streams that need the leader to it
and serve history from their clone. The leader dies mid-burst of applies sent through the
Service, on an apply that reached the cluster but not the store: a follower takes over within the
lease timing, records that write from the dead leader's intent, reaches the cluster registered
through the old leader (credentials are shared state), and every commit acknowledged is on the
remote and in the new leader's history; every replica's audit rows are in PostgreSQL, once per
call; clients retrying through the Service saw only UNAVAILABLE, for about the lease duration."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import grpc
import jwt
import psycopg
import pytest
from google.protobuf import struct_pb2
from kubernetes import client
from kubernetes import config as kube_config
from prometheus_client.parser import text_string_to_metric_families
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, mcp_pb2, mcp_pb2_grpc, operations_pb2, operations_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.probe import check
from server.versions.intents import CRASH_ENV, CRASH_EXIT_CODE
from tests.support.gitremote import GitDaemon, free_port
from tests.support.postgres import PostgresServer
from tests.support.serviceproxy import ServiceProxy

LEASE = {"duration": 3.0, "renew_deadline": 2.0, "retry_period": 0.5}
HMAC_KEY = b"failover-test-hmac-key-0123456789abcdef"
SERVING = health_pb2.HealthCheckResponse.SERVING


@dataclass
class Replica:
    name: str
    address: str
    data_dir: Path
    log: Path
    metrics: str  # host:port of its /metrics
    process: subprocess.Popen[bytes] | None = None

    def is_leader(self) -> bool:
        try:
            with grpc.insecure_channel(self.address) as channel:
                return health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="kubecommit.Leader"), timeout=2).status == SERVING
        except grpc.RpcError:
            return False


@dataclass
class Cluster:
    replicas: list[Replica]
    remote: GitDaemon
    token: str
    sim: Simulator
    database_url: str
    service: ServiceProxy
    acked: dict[str, str] = field(default_factory=dict)  # configmap -> commit acknowledged
    # Applies that succeeded without a commit: a retry of one the old leader had committed and
    # pushed when it died, before its answer reached the client.
    unchanged: set[str] = field(default_factory=set)


def wait(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture()
def ha(tmp_path: Path, postgres: PostgresServer) -> Iterator[Cluster]:
    sim = Simulator(seed=False, log_interval=None).start()
    remote = GitDaemon(tmp_path / "remote").start() if (tmp_path / "remote").mkdir() is None else None
    assert remote is not None
    kubeconfig = sim.write_kubeconfig(tmp_path / "lease.kubeconfig")
    (tmp_path / "jwt.key").write_bytes(HMAC_KEY)
    database_url = postgres.new_database()
    env = {**os.environ, "KUBECOMMIT_DATABASE_URL": database_url,
           "KUBECOMMIT_STORE_KEY": base64.b64encode(os.urandom(32)).decode(),
           "KUBECOMMIT_JWT_KEY": str(tmp_path / "jwt.key"), "KUBECOMMIT_MIRROR_URL": remote.url,
           "KUBECOMMIT_MIRROR_RETRY_MAX_SECONDS": "0.5", "KUBECOMMIT_LEASE_NAME": "kubecommit-leader",
           "KUBECOMMIT_LEASE_NAMESPACE": "default", "KUBECOMMIT_LEASE_KUBECONFIG": str(kubeconfig),
           "KUBECOMMIT_LEASE_DURATION_SECONDS": str(LEASE["duration"]),
           "KUBECOMMIT_LEASE_RENEW_DEADLINE_SECONDS": str(LEASE["renew_deadline"]),
           "KUBECOMMIT_LEASE_RETRY_PERIOD_SECONDS": str(LEASE["retry_period"]),
           # A job that runs every second, to see which replica runs jobs.
           "KUBECOMMIT_SAMPLE_SCHEDULE": "every 1s",
           # The leader dies between the cluster write and the commit of this one apply.
           CRASH_ENV: "path:/cm-crash."}
    replicas = []
    for name in ("a", "b", "c"):
        port = free_port()
        replica = Replica(name, f"127.0.0.1:{port}", tmp_path / name, tmp_path / f"{name}.log",
                          f"127.0.0.1:{free_port()}")
        replica.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "kubecommit"), "serve", "--listen", replica.address,
             "--data-dir", str(replica.data_dir), "--log-format", "json"],
            env={**env, "KUBECOMMIT_ADVERTISE_ADDRESS": replica.address,
                 "KUBECOMMIT_METRICS_LISTEN": replica.metrics},
            stdout=replica.log.open("wb"), stderr=subprocess.STDOUT)
        replicas.append(replica)
    token = jwt.encode({"sub": "ops", "role": "admin", "exp": int(time.time()) + 600}, HMAC_KEY, "HS256")
    service = ServiceProxy([r.address for r in replicas]).start()
    try:
        for replica in replicas:
            wait(lambda: check(replica.address, timeout=1), f"replica {replica.name} never served", seconds=90)
        yield Cluster(replicas, remote, token, sim, database_url, service)
    finally:
        service.stop()
        for replica in replicas:
            if replica.process and replica.process.poll() is None:
                replica.process.terminate()
                try:
                    replica.process.wait(15)
                except subprocess.TimeoutExpired:
                    replica.process.kill()
                    replica.process.wait()
        remote.stop()
        sim.stop()


def stub(address: str, token: str) -> tuple[grpc.Channel, yaml_versions_pb2_grpc.YamlVersionsServiceStub]:
    channel = grpc.insecure_channel(address)
    return channel, yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)


def auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def configmap(name: str, value: str) -> str:
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n"
            f"data:\n  value: \"{value}\"\n")


def apply(address: str, token: str, name: str) -> str:
    """Through a new connection each time, as a client retrying through a Service reconnects."""
    channel, versions = stub(address, token)
    with channel:
        return versions.ApplyManifest(pb.ApplyManifestRequest(
            cluster="clusters/demo", manifest=configmap(name, name), message=f"burst {name}"),
            metadata=auth(token), timeout=10).commit


def versions_of(replica: Replica, token: str, name: str) -> list[pb.Version]:
    channel, versions = stub(replica.address, token)
    with channel:
        return list(versions.ListVersions(pb.ListVersionsRequest(
            parent=f"clusters/demo/namespaces/default/configmaps/{name}"), metadata=auth(token), timeout=10).versions)


def history(replica: Replica, token: str, name: str) -> list[str]:
    return [v.commit for v in versions_of(replica, token, name)]


def shared_sampler_runs(replica: Replica, token: str) -> int:
    """The runs recorded in the job state, which the replicas share in PostgreSQL."""
    with grpc.insecure_channel(replica.address) as channel:
        return operations_pb2_grpc.OperationsServiceStub(channel).GetJob(
            operations_pb2.GetJobRequest(name="jobs/samplers"), metadata=auth(token), timeout=10).run_count


def metric(replica: Replica, name: str, **labels: str) -> int:
    """The sum of a counter's samples with these labels, from the replica's own /metrics."""
    with urllib.request.urlopen(f"http://{replica.metrics}/metrics", timeout=5) as response:
        text = response.read().decode()
    return int(sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
                   if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())))


def sampler_runs(replica: Replica) -> int:
    """The runs this replica's process made."""
    return metric(replica, "kubecommit_job_runs_total", job="samplers")


def fetched_history(replica: Replica, token: str, name: str) -> list[str]:
    """The history, or none while the replica has not fetched the branch yet."""
    try:
        return history(replica, token, name)
    except grpc.RpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return []
        raise


def sync_through(replica: Replica, token: str) -> list[clusters_pb2.SyncClusterResponse]:
    """SyncCluster, a server-streaming RPC that commits (so it needs the leader)."""
    with grpc.insecure_channel(replica.address) as channel:
        return list(clusters_pb2_grpc.ClustersServiceStub(channel).SyncCluster(
            clusters_pb2.SyncClusterRequest(name="clusters/demo", include_resources=["configmaps"]),
            metadata=auth(token), timeout=30))


def audited(database_url: str, name: str) -> int:
    """Successful ApplyManifest audit rows naming the ConfigMap, in the shared database."""
    with psycopg.connect(database_url) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE rpc LIKE %s AND code = 'OK' AND targets LIKE %s",
                          ("%ApplyManifest", f"%/{name}\"%")).fetchone()[0]


def test_follower_takes_over_and_no_acknowledged_commit_is_lost(ha: Cluster, tmp_path: Path) -> None:
    wait(lambda: any(r.is_leader() for r in ha.replicas), "no leader was elected")
    leader = next(r for r in ha.replicas if r.is_leader())
    followers = [r for r in ha.replicas if r is not leader]
    follower = followers[0]
    assert not any(f.is_leader() for f in followers)
    # Readiness: every replica is in the Service, followers included (they serve reads and
    # forward what needs the leader).
    wait(lambda: ha.service.ready == {r.address for r in ha.replicas}, "not every replica became ready")

    # Registered through the leader; the credentials are shared state (PostgreSQL), not files of
    # the leader's data directory.
    with grpc.insecure_channel(leader.address) as channel:
        clusters_pb2_grpc.ClustersServiceStub(channel).CreateCluster(clusters_pb2.CreateClusterRequest(
            cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=ha.sim.kubeconfig_text("demo"))),
            metadata=auth(ha.token), timeout=15)
    assert not (leader.data_dir / "credentials").exists()

    # Jobs run on the leader only.
    wait(lambda: sampler_runs(leader) >= 2, "the leader never ran its jobs")
    assert all(sampler_runs(f) == 0 for f in followers)
    # Their record is shared: a follower reports the leader's runs.
    wait(lambda: shared_sampler_runs(follower, ha.token) >= 2, "the follower never saw the leader's runs")

    # A follower forwards a write to the leader: the leader commits it (and audits it, once).
    first = apply(follower.address, ha.token, "cm-first")
    wait(lambda: fetched_history(leader, ha.token, "cm-first") == [first], "the forwarded apply is not the leader's")
    wait(lambda: fetched_history(follower, ha.token, "cm-first") == [first],
         "the follower never served the new history")
    assert audited(ha.database_url, "cm-first") == 1
    assert metric(follower, "kubecommit_rpc_forwarded_total", grpc_method="ApplyManifest", grpc_code="OK") == 1
    # A stream that commits, through a follower: a sync that finds a ConfigMap made behind
    # kubecommit's back.
    with kube_config.new_client_from_config(str(ha.sim.write_kubeconfig(tmp_path / "ops.kubeconfig"))) as api:
        client.CoreV1Api(api).create_namespaced_config_map("default", {"metadata": {"name": "cm-oob"}})
    synced = sync_through(follower, ha.token)
    assert synced[-1].result.objects_written >= 1, synced[-1]
    assert synced[-1].result.commit in set(ha.remote.git("rev-list", "main").split())
    # A tool that writes (a proposal on a draft branch), though CallTool is a read RPC.
    with grpc.insecure_channel(follower.address) as channel:
        arguments = struct_pb2.Struct()
        arguments.update({"cluster": "clusters/demo", "manifest": configmap("cm-tool", "x"), "message": "tool"})
        proposed = mcp_pb2_grpc.McpServiceStub(channel).CallTool(mcp_pb2.CallToolRequest(
            name="tools/propose_change", arguments=arguments), metadata=auth(ha.token), timeout=15)
    assert not proposed.is_error and proposed.commit, proposed.text

    # A burst from two writers through the Service; the leader dies once ten are acknowledged,
    # on an apply that reached the cluster but not the store.
    lock = threading.Lock()
    outages: list[float] = []
    codes: set[grpc.StatusCode] = set()

    def writer(prefix: str, count: int) -> None:
        for i in range(count):
            name = f"cm-{prefix}-{i}"
            failing_since = None
            while True:
                try:
                    commit = apply(ha.service.address, ha.token, name)
                    break
                except grpc.RpcError as error:
                    failing_since = failing_since or time.monotonic()
                    assert time.monotonic() - failing_since < 30, f"{name}: {error}"
                    with lock:
                        codes.add(error.code())
                    time.sleep(0.05)
            with lock:
                if failing_since is not None:
                    outages.append(time.monotonic() - failing_since)
                if commit:
                    ha.acked[name] = commit
                else:
                    ha.unchanged.add(name)

    threads = [threading.Thread(target=writer, args=(p, 12)) for p in ("x", "y")]
    for t in threads:
        t.start()
    wait(lambda: len(ha.acked) >= 6, "the burst never got going")
    with pytest.raises(grpc.RpcError):  # the leader exits between the cluster write and the commit
        apply(leader.address, ha.token, "cm-crash")
    assert leader.process is not None and leader.process.wait(15) == CRASH_EXIT_CODE
    for t in threads:
        t.join(60)
    assert len(ha.acked) + len(ha.unchanged) == 24, (sorted(ha.acked), ha.unchanged)
    # Retrying through the Service, clients saw the outage only as UNAVAILABLE (never NOT_LEADER).
    assert codes <= {grpc.StatusCode.UNAVAILABLE}, codes

    new_leader = next(r for r in followers if r.is_leader())
    wait(lambda: sampler_runs(new_leader) >= 1, "the new leader never ran the jobs")
    # Every acknowledged commit is on the remote and in the new leader's history.
    on_remote = set(ha.remote.git("rev-list", "main").split())
    assert set(ha.acked.values()) <= on_remote
    for name, commit in ha.acked.items():
        assert commit in history(new_leader, ha.token, name), name
    for name in ha.unchanged:  # committed by the old leader, answered "no change" by the new one
        assert history(new_leader, ha.token, name), name
    # The write the old leader made without committing is recorded by the new one, from the
    # intent it left in the shared database, as an import by the original caller.
    crashed = versions_of(new_leader, ha.token, "cm-crash")
    assert [v.operation for v in crashed] == [pb.OPERATION_IMPORT] and crashed[0].author_name == "ops"
    assert crashed[0].commit in set(ha.remote.git("rev-list", "main").split())
    # The cluster registered through the old leader is there, reachable, on the new one.
    with grpc.insecure_channel(new_leader.address) as channel:
        registry = clusters_pb2_grpc.ClustersServiceStub(channel)
        listed = registry.ListClusters(clusters_pb2.ListClustersRequest(), metadata=auth(ha.token), timeout=10)
        assert [c.name for c in listed.clusters] == ["clusters/demo"]
        assert registry.GetCluster(clusters_pb2.GetClusterRequest(name="clusters/demo"),
                                   metadata=auth(ha.token), timeout=10).server == ha.sim.url
    # Audit rows of every replica that served are in PostgreSQL: `cm-first` went through the old
    # leader, each writer's last apply through the new one; a forwarded call is audited once.
    for name in ("cm-first", "cm-x-11", "cm-y-11"):
        assert audited(ha.database_url, name) >= 1, name
    # Clients retrying through the Service saw UNAVAILABLE for about the lease duration, not more
    # (the figure is in docs/deploy.md; the bound is generous for a loaded machine).
    worst = max(outages)
    print(f"\nfailover: longest UNAVAILABLE window through the Service {worst:.2f}s "
          f"(lease duration {LEASE['duration']}s)")
    assert worst <= LEASE["duration"] + 4 * LEASE["retry_period"] + 3, outages
