"""The store mirrored to a git remote served by `git daemon`: applies through gRPC reach the
remote; while the remote is down, applies still succeed, health, metrics and an alert say it is
behind, and the commits arrive once it is back (the alert resolved)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gitstore import Store
from kubecommit.v1 import operations_pb2, operations_pb2_grpc, yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.observability.test_metrics import scrape, value
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster
from tests.support.gitremote import GitDaemon


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitDaemon]:
    daemon = GitDaemon(tmp_path_factory.mktemp("remote")).start()
    yield daemon
    daemon.stop()


@pytest.fixture(scope="module")
def mirrored(server_factory: Callable[..., EmbeddedServer], sim: Simulator, remote: GitDaemon) -> EmbeddedServer:
    embedded = server_factory(mirror_url=remote.url, mirror_retry_max_seconds=0.5,
                              metrics_listen="127.0.0.1:0")
    register_cluster(embedded, "mirrored", sim.kubeconfig_text("demo"))
    return embedded


@pytest.fixture()
def channel(mirrored: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(mirrored.address) as ch:
        yield with_token(ch, admin_token(mirrored.settings.data_dir))


def apply_namespace(channel: grpc.Channel) -> tuple[str, str]:
    """Applies a new namespace; returns its name and the commit it made."""
    name = f"mirror-{uuid.uuid4().hex[:8]}"
    reply = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel).ApplyManifest(pb.ApplyManifestRequest(
        cluster="clusters/mirrored", manifest=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n",
        message=f"create {name}"))
    return name, reply.commit


def eventually(check: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def mirror_health(channel: grpc.Channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="kubecommit.Mirror")).status


def mirror_alert(channel: grpc.Channel) -> operations_pb2.Alert | None:
    """The newest alert about pushing to the remote."""
    alerts = operations_pb2_grpc.OperationsServiceStub(channel).ListAlerts(
        operations_pb2.ListAlertsRequest(filter="subject=mirror/push")).alerts
    return alerts[0] if alerts else None


def test_applies_reach_the_remote(mirrored: EmbeddedServer, channel: grpc.Channel, remote: GitDaemon) -> None:
    name, commit = apply_namespace(channel)
    assert commit
    eventually(lambda: remote.head() == commit, "the commit never reached the remote")
    assert f"create {name}" in remote.git("log", "--format=%B", "-1", "main")
    # Anyone can read the remote like the store: the namespace's file is there.
    assert name in remote.git("ls-tree", "-r", "--name-only", "main")
    assert mirror_health(channel) == health_pb2.HealthCheckResponse.SERVING


def test_a_remote_outage_delays_but_never_loses_commits(
        mirrored: EmbeddedServer, channel: grpc.Channel, remote: GitDaemon) -> None:
    before = scrape(mirrored)
    remote.stop()
    try:
        _, first = apply_namespace(channel)  # the write succeeds locally while the remote is down
        _, second = apply_namespace(channel)
        eventually(lambda: mirror_health(channel) == health_pb2.HealthCheckResponse.NOT_SERVING,
                   "health never reported the remote behind")
        during = scrape(mirrored)
        assert value(during, "kubecommit_mirror_pushes_total", result="failed") > \
            value(before, "kubecommit_mirror_pushes_total", result="failed")
        assert value(during, "kubecommit_mirror_lag_seconds") > 0
        assert remote.head() not in (first, second)
        eventually(lambda: (alert := mirror_alert(channel)) is not None
                   and alert.state == operations_pb2.ALERT_STATE_FIRING, "no alert fired")
        firing = mirror_alert(channel)
        assert firing is not None and firing.rule == "alertRules/mirror-failure"
        assert firing.severity == operations_pb2.ALERT_SEVERITY_CRITICAL and remote.url in firing.message
    finally:
        remote.start()
    eventually(lambda: remote.head() == second, "the commits made during the outage never arrived")
    assert first in remote.git("rev-list", "main").split()
    eventually(lambda: mirror_health(channel) == health_pb2.HealthCheckResponse.SERVING, "health stayed NOT_SERVING")
    assert value(scrape(mirrored), "kubecommit_mirror_lag_seconds") == 0
    resolved = mirror_alert(channel)
    assert resolved is not None and resolved.name == firing.name and resolved.state == operations_pb2.ALERT_STATE_RESOLVED


def test_a_replica_fetches_the_remote_and_serves_its_history(
        mirrored: EmbeddedServer, channel: grpc.Channel, remote: GitDaemon, tmp_path: Path) -> None:
    _, commit = apply_namespace(channel)
    eventually(lambda: remote.head() == commit, "the commit never reached the remote")
    replica = Store.open(tmp_path / "replica")
    try:
        refs = replica.fetch(remote.url)
        assert refs["refs/heads/main"] == commit
        assert [e.commit_id for e in replica.log(page_size=1)[0]] == [commit]
    finally:
        replica.close()
