"""Two `kubecommit serve` processes, one kubesim holding their Lease, one `git daemon` remote.
The leader writes and pushes; the follower names it when asked to write and serves history from
its clone. SIGKILL the leader mid-burst of applies: the follower takes over within the lease
timing, and every commit the old leader acknowledged is on the remote and in the new leader's
history. Both replicas keep their audit rows in one PostgreSQL (`database_url`): the old leader's
and the new leader's are both there."""

from __future__ import annotations

import base64
import os
import shutil
import signal
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
from prometheus_client.parser import text_string_to_metric_families
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, mcp_pb2, mcp_pb2_grpc, operations_pb2, operations_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.probe import check
from tests.support.gitremote import GitDaemon, free_port
from tests.support.postgres import PostgresServer
from tests.support.status import details

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
           "KUBECOMMIT_SAMPLE_SCHEDULE": "every 1s"}
    replicas = []
    for name in ("a", "b"):
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
    try:
        for replica in replicas:
            wait(lambda: check(replica.address, timeout=1), f"replica {replica.name} never served", seconds=90)
        yield Cluster(replicas, remote, token, sim, database_url)
    finally:
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


def stub(replica: Replica, token: str) -> tuple[grpc.Channel, yaml_versions_pb2_grpc.YamlVersionsServiceStub]:
    channel = grpc.insecure_channel(replica.address)
    return channel, yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)


def auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def configmap(name: str, value: str) -> str:
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n"
            f"data:\n  value: \"{value}\"\n")


def apply(replica: Replica, token: str, name: str) -> str:
    channel, versions = stub(replica, token)
    with channel:
        return versions.ApplyManifest(pb.ApplyManifestRequest(
            cluster="clusters/demo", manifest=configmap(name, name), message=f"burst {name}"),
            metadata=auth(token), timeout=10).commit


def history(replica: Replica, token: str, name: str) -> list[str]:
    channel, versions = stub(replica, token)
    with channel:
        reply = versions.ListVersions(pb.ListVersionsRequest(
            parent=f"clusters/demo/namespaces/default/configmaps/{name}"), metadata=auth(token), timeout=10)
    return [v.commit for v in reply.versions]


def shared_sampler_runs(replica: Replica, token: str) -> int:
    """The runs recorded in the job state, which the replicas share in PostgreSQL."""
    with grpc.insecure_channel(replica.address) as channel:
        return operations_pb2_grpc.OperationsServiceStub(channel).GetJob(
            operations_pb2.GetJobRequest(name="jobs/samplers"), metadata=auth(token), timeout=10).run_count


def sampler_runs(replica: Replica) -> int:
    """The runs this replica's process made, from its own metrics."""
    with urllib.request.urlopen(f"http://{replica.metrics}/metrics", timeout=5) as response:
        text = response.read().decode()
    return int(sum(sample.value for family in text_string_to_metric_families(text)
                   for sample in family.samples
                   if sample.name == "kubecommit_job_runs_total" and sample.labels.get("job") == "samplers"))


def fetched_history(replica: Replica, token: str, name: str) -> list[str]:
    """The history, or none while the replica has not fetched the branch yet."""
    try:
        return history(replica, token, name)
    except grpc.RpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return []
        raise


def test_follower_takes_over_and_no_acknowledged_commit_is_lost(ha: Cluster) -> None:
    wait(lambda: any(r.is_leader() for r in ha.replicas), "no leader was elected")
    leader = next(r for r in ha.replicas if r.is_leader())
    follower = next(r for r in ha.replicas if r is not leader)
    assert not follower.is_leader()

    with grpc.insecure_channel(leader.address) as channel:
        clusters_pb2_grpc.ClustersServiceStub(channel).CreateCluster(clusters_pb2.CreateClusterRequest(
            cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=ha.sim.kubeconfig_text("demo"))),
            metadata=auth(ha.token), timeout=15)
    # Cluster credentials are files of each replica, not in the store (docs/deploy.md): the
    # operator gives every replica the same ones; here, a copy.
    shutil.copytree(leader.data_dir / "credentials", follower.data_dir / "credentials", dirs_exist_ok=True)

    # Jobs run on the leader only.
    wait(lambda: sampler_runs(leader) >= 2, "the leader never ran its jobs")
    assert sampler_runs(follower) == 0
    # Their record is shared: the follower reports the leader's runs.
    wait(lambda: shared_sampler_runs(follower, ha.token) >= 2, "the follower never saw the leader's runs")

    # The follower refuses writes, naming the leader; it serves reads from its clone.
    first = apply(leader, ha.token, "cm-first")
    with pytest.raises(grpc.RpcError) as refused:
        apply(follower, ha.token, "cm-refused")
    info = details(refused.value)
    assert info.code is grpc.StatusCode.FAILED_PRECONDITION and info.reason == "NOT_LEADER"
    assert info.metadata["leader_address"] == leader.address
    # A tool that writes (a proposal on a draft branch) is a write too, though CallTool reads.
    with grpc.insecure_channel(follower.address) as channel:
        arguments = struct_pb2.Struct()
        arguments.update({"cluster": "clusters/demo", "manifest": configmap("cm-tool", "x"), "message": "tool"})
        with pytest.raises(grpc.RpcError) as tool_refused:
            mcp_pb2_grpc.McpServiceStub(channel).CallTool(mcp_pb2.CallToolRequest(
                name="tools/propose_change", arguments=arguments), metadata=auth(ha.token), timeout=10)
    assert details(tool_refused.value).reason == "NOT_LEADER"
    wait(lambda: fetched_history(follower, ha.token, "cm-first") == [first],
         "the follower never served the new history")

    # A burst from two writers; the leader is killed once ten applies are acknowledged.
    lock = threading.Lock()
    outages: list[float] = []
    killed_at: list[float] = []

    def writer(prefix: str, count: int) -> None:
        target = leader
        for i in range(count):
            name = f"cm-{prefix}-{i}"
            failing_since = None
            while True:
                try:
                    commit = apply(target, ha.token, name)
                    break
                except grpc.RpcError as error:
                    failing_since = failing_since or time.monotonic()
                    assert time.monotonic() - failing_since < 30, f"{name}: {error}"
                    info = details(error)
                    if info.reason == "NOT_LEADER":
                        target = next(r for r in ha.replicas if r.address == info.metadata["leader_address"])
                    elif info.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                        target = ha.replicas[(ha.replicas.index(target) + 1) % 2]  # a Service would
                    else:
                        raise
                    time.sleep(0.05)
            with lock:
                if failing_since is not None:
                    outages.append(time.monotonic() - failing_since)
                if commit:
                    ha.acked[name] = commit
                else:
                    ha.unchanged.add(name)

    threads = [threading.Thread(target=writer, args=(p, 20)) for p in ("x", "y")]
    for t in threads:
        t.start()
    wait(lambda: len(ha.acked) >= 10, "the burst never got going")
    assert leader.process is not None
    os.kill(leader.process.pid, signal.SIGKILL)
    killed_at.append(time.monotonic())
    for t in threads:
        t.join(60)
    assert len(ha.acked) + len(ha.unchanged) == 40, (sorted(ha.acked), ha.unchanged)

    assert follower.is_leader()
    wait(lambda: sampler_runs(follower) >= 1, "the new leader never ran the jobs")
    # Every acknowledged commit is on the remote and in the new leader's history.
    on_remote = set(ha.remote.git("rev-list", "main").split())
    assert set(ha.acked.values()) <= on_remote
    for name, commit in ha.acked.items():
        assert commit in history(follower, ha.token, name), name
    for name in ha.unchanged:  # committed by the old leader, answered "no change" by the new one
        assert history(follower, ha.token, name), name
    # The audit rows of both leaders are in PostgreSQL: `cm-first` went through the old one,
    # each writer's last apply through the new one.
    with psycopg.connect(ha.database_url) as db:
        for name in ("cm-first", "cm-x-19", "cm-y-19"):
            assert db.execute("SELECT COUNT(*) FROM events WHERE rpc LIKE %s AND code = 'OK' AND targets LIKE %s",
                              ("%ApplyManifest", f"%/{name}\"%")).fetchone()[0] >= 1, name
    # Clients saw the outage for about the lease duration, not more.
    worst = max(outages)
    print(f"\nfailover: longest client-visible outage {worst:.2f}s (lease duration {LEASE['duration']}s)")
    assert worst <= LEASE["duration"] + 2 * LEASE["retry_period"] + 1.5, outages
