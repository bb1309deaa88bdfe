"""GetClusterHealth, GetClusterMetrics, GetClusterResourceStats, CheckClustersHealth and
SummarizeClusters against simulated clusters: a healthy-ish demo, a broken one, an unreachable
one and one that never answers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from google.protobuf import duration_pb2

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import common_pb2
from kubesim import Simulator
from tests.clusters.helpers import Blackhole, closed_port_kubeconfig, create, kubeconfig_for

H = common_pb2.HealthStatus


@pytest.fixture(scope="module")
def broken() -> Iterator[Simulator]:
    """A cluster with a NotReady node under memory pressure and no metrics.k8s.io."""
    simulator = Simulator(seed=True, log_interval=None).start()

    def break_it(cluster):
        rt = cluster.kind_type("Node")
        node = cluster.get(rt, "", "node-2")
        for condition in node["status"]["conditions"]:
            if condition["type"] in ("Ready", "MemoryPressure"):
                condition["status"] = "False" if condition["type"] == "Ready" else "True"
        cluster.save(rt, node)
        cluster.registry.remove("metrics.k8s.io/nodes")
        cluster.registry.remove("metrics.k8s.io/pods")

    simulator.call(break_it)
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def registered(stub, sim, broken) -> Iterator[dict[str, str]]:
    hole = Blackhole()
    create(stub, "demo", sim.kubeconfig_text("demo"), provider=pb.PROVIDER_AWS)
    create(stub, "broken", broken.kubeconfig_text("broken"), provider=pb.PROVIDER_ALIYUN)
    create(stub, "refused", closed_port_kubeconfig(), allow_disconnected=True)
    create(stub, "hung", kubeconfig_for(hole.url), allow_disconnected=True)
    yield {"demo": sim.url, "broken": broken.url}
    hole.close()


def issues(health: pb.ClusterHealth) -> dict[str, list[common_pb2.Issue]]:
    out: dict[str, list[common_pb2.Issue]] = {}
    for issue in health.issues:
        out.setdefault(issue.reason, []).append(issue)
    return out


def test_demo_health_finds_the_crash_loop(stub, registered):
    health = stub.GetClusterHealth(pb.GetClusterHealthRequest(name="clusters/demo/health"))
    assert health.live and health.ready and health.readiness_checks and all(health.readiness_checks.values())
    assert len(health.nodes) == 4 and all(n.ready for n in health.nodes)
    assert not next(n for n in health.nodes if n.name == "node-1").conditions["MemoryPressure"] == "True"
    found = issues(health)
    crash = found["CrashLoopBackOff"][0]
    assert "payments-worker" in crash.resource and crash.severity == common_pb2.SEVERITY_HIGH
    assert any("payments-worker" in i.message for i in found["WorkloadNotReady"])
    assert health.score == 100 - sum(i.score_impact for i in health.issues)
    assert health.status == H.HEALTH_STATUS_WARNING


def test_broken_node_lowers_the_score(stub, registered):
    health = stub.GetClusterHealth(pb.GetClusterHealthRequest(name="clusters/broken/health"))
    found = issues(health)
    assert found["NodeNotReady"][0].resource == "clusters/broken/nodes/node-2"
    assert "MemoryPressure" in found["NodePressure"][0].message
    demo = stub.GetClusterHealth(pb.GetClusterHealthRequest(name="clusters/demo/health"))
    assert health.score < demo.score


def test_metrics_with_and_without_metrics_server(stub, registered):
    metrics = stub.GetClusterMetrics(pb.GetClusterMetricsRequest(name="clusters/demo/metrics"))
    assert metrics.metrics_available and metrics.cpu.HasField("usage") and metrics.cpu.usage > 0
    assert metrics.cpu.allocatable == 20.0  # 4 + 4 + 8 + 4 cores
    assert metrics.memory.allocatable == 80 * 1024 ** 3
    assert 0 < metrics.cpu.requests < metrics.cpu.limits
    assert metrics.cpu.requests_percent == pytest.approx(100 * metrics.cpu.requests / 20.0, abs=0.01)
    assert (metrics.node_count, metrics.deployment_count, metrics.namespace_count) == (4, 6, 7)  # with ml
    assert metrics.pod_count > 0 and metrics.service_count == 5

    without = stub.GetClusterMetrics(pb.GetClusterMetricsRequest(name="clusters/broken/metrics"))
    assert not without.metrics_available and "metrics.k8s.io" in without.metrics_message
    assert not without.cpu.HasField("usage") and without.cpu.allocatable == 20.0


def test_resource_stats(stub, registered):
    stats = stub.GetClusterResourceStats(pb.GetClusterResourceStatsRequest(name="clusters/demo/resourceStats"))
    by_type = {t.resource: t for t in stats.types}
    assert by_type["deployments.apps"].count == 6 and by_type["deployments.apps"].by_namespace["shop"] == 4
    assert by_type["nodes"].count == 4 and not by_type["nodes"].by_namespace
    assert stats.total_objects == sum(t.count for t in stats.types)
    assert sum(stats.pods_by_phase.values()) == by_type["pods"].count
    assert stats.pods_by_phase["Pending"] == 1  # the seed's GPU pod that tolerates no taint


def test_check_many_is_bounded_by_the_timeout_of_the_slow_one(stub, registered):
    started = time.monotonic()
    response = stub.CheckClustersHealth(pb.CheckClustersHealthRequest(
        timeout=duration_pb2.Duration(seconds=1), max_concurrency=4))
    elapsed = time.monotonic() - started
    by_name = {r.name: r for r in response.results}
    assert set(by_name) == {f"clusters/{c}/health" for c in ("demo", "broken", "refused", "hung")}
    assert elapsed < 2.5  # the hung cluster costs its 1 s timeout, not the 3 s cluster timeout
    for name in ("refused", "hung"):
        result = by_name[f"clusters/{name}/health"]
        assert result.status == H.HEALTH_STATUS_ERROR and result.score == 0
        assert result.issues[0].reason == "ClusterUnreachable"
    assert "1s" in by_name["clusters/hung/health"].issues[0].message
    assert by_name["clusters/demo/health"].status == H.HEALTH_STATUS_WARNING


def test_summary_counts_every_cluster(stub, registered):
    summary = stub.SummarizeClusters(pb.SummarizeClustersRequest())
    assert summary.cluster_count == 4 and len(summary.clusters) == 4
    assert summary.by_provider == {"aws": 1, "aliyun": 1, "other": 2}
    assert summary.by_health["error"] >= 2 and sum(summary.by_health.values()) == 4
    assert summary.node_count == 8 and summary.pod_count > 0
    assert summary.average_score == pytest.approx(sum(c.score for c in summary.clusters) / 4, abs=0.01)


class _Failing(BaseHTTPRequestHandler):
    """An API server that answers every request 503 (an overloaded or broken control plane)."""

    def do_GET(self) -> None:
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                           "message": "etcd is down", "reason": "ServiceUnavailable", "code": 503}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_cluster_answering_503_is_reported_not_fatal_to_the_batch(stub, registered):
    failing = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=failing.serve_forever, daemon=True).start()
    create(stub, "overloaded", kubeconfig_for(f"http://127.0.0.1:{failing.server_port}"),
           allow_disconnected=True)
    try:
        health = stub.GetClusterHealth(pb.GetClusterHealthRequest(name="clusters/overloaded/health"))
        assert health.status == H.HEALTH_STATUS_ERROR and health.score == 0
        assert [i.reason for i in health.issues] == ["ClusterUnreachable"]
        assert "etcd is down" in health.issues[0].message
        response = stub.CheckClustersHealth(pb.CheckClustersHealthRequest(
            names=["clusters/overloaded", "clusters/demo"]))
        by_name = {r.name: r.status for r in response.results}
        assert by_name == {"clusters/overloaded/health": H.HEALTH_STATUS_ERROR,
                           "clusters/demo/health": H.HEALTH_STATUS_WARNING}
        cluster = stub.GetCluster(pb.GetClusterRequest(name="clusters/overloaded"))
        assert cluster.state == pb.CLUSTER_STATE_DISCONNECTED and "etcd is down" in cluster.state_message
    finally:
        stub.DeleteCluster(pb.DeleteClusterRequest(name="clusters/overloaded"))
        failing.shutdown()
        failing.server_close()
