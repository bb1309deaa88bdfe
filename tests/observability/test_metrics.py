"""The Prometheus endpoint, scraped over HTTP after calls through a real channel: per-RPC counts,
errors and latency, open streams, store commits and cluster reachability move as calls happen."""

from __future__ import annotations

import queue
import time
import urllib.request
import uuid
from typing import Callable, Iterator

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, containers_pb2, containers_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster

APPLY = {"grpc_service": "kubecommit.v1.YamlVersionsService", "grpc_method": "ApplyManifest"}
GET_CLUSTER = {"grpc_service": "kubecommit.v1.ClustersService", "grpc_method": "GetCluster"}
LOGS = {"grpc_service": "kubecommit.v1.ContainersService", "grpc_method": "StreamLogs"}


@pytest.fixture(scope="module")
def observed(server_factory: Callable[..., EmbeddedServer], sim: Simulator) -> EmbeddedServer:
    embedded = server_factory(metrics_listen="127.0.0.1:0")
    register_cluster(embedded, "watched", sim.kubeconfig_text("demo"))
    return embedded


@pytest.fixture()
def channel(observed: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(observed.address) as ch:
        yield with_token(ch, admin_token(observed.settings.data_dir))


def scrape(embedded: EmbeddedServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics as {(name, labels): value}."""
    with urllib.request.urlopen(f"http://{embedded.server.metrics_address}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_off_unless_configured(kc_server: EmbeddedServer) -> None:
    assert kc_server.server.metrics_address == ""


def test_calls_errors_latency_and_commits_are_counted(observed: EmbeddedServer, channel: grpc.Channel) -> None:
    before = scrape(observed)
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)
    name = f"m-{uuid.uuid4().hex[:8]}"
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster="clusters/watched", manifest=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"))
    clusters = clusters_pb2_grpc.ClustersServiceStub(channel)
    for _ in range(2):
        with pytest.raises(grpc.RpcError) as failure:
            clusters.GetCluster(clusters_pb2.GetClusterRequest(name="clusters/absent"))
        assert failure.value.code() is grpc.StatusCode.NOT_FOUND
    # A call is counted as its handler finishes, which may be just after the client has its
    # answer: scrape until the last call is in (or a few seconds pass), then check exact counts.
    deadline = time.monotonic() + 5
    while True:
        after = scrape(observed)
        settled = (value(after, "kubecommit_rpc_handled_total", **GET_CLUSTER, grpc_code="NOT_FOUND")
                   - value(before, "kubecommit_rpc_handled_total", **GET_CLUSTER, grpc_code="NOT_FOUND")) >= 2
        if settled or time.monotonic() > deadline:
            break
        time.sleep(0.05)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("kubecommit_rpc_started_total", **APPLY) == 1
    assert moved("kubecommit_rpc_handled_total", **APPLY, grpc_code="OK") == 1
    assert moved("kubecommit_rpc_duration_seconds_count", **APPLY) == 1
    assert moved("kubecommit_rpc_duration_seconds_sum", **APPLY) > 0
    assert moved("kubecommit_rpc_handled_total", **GET_CLUSTER, grpc_code="NOT_FOUND") == 2
    assert moved("kubecommit_rpc_errors_total", **GET_CLUSTER, grpc_code="NOT_FOUND") == 2
    assert moved("kubecommit_rpc_errors_total", **APPLY, grpc_code="OK") == 0
    assert moved("kubecommit_store_commits_total", operation="apply") == 1
    # The registration above wrote state "connected" for the cluster.
    assert value(after, "kubecommit_clusters", state="connected") == 1


def test_open_streams_are_a_gauge(observed: EmbeddedServer, channel: grpc.Channel) -> None:
    """A log stream following the demo's pods is open until the client cancels it."""
    requests: queue.Queue = queue.Queue()
    requests.put(containers_pb2.StreamLogsRequest(query=containers_pb2.LogQuery(
        parent="clusters/watched/namespaces/web", label_selector="app=frontend", tail_lines=1)))
    call = containers_pb2_grpc.ContainersServiceStub(channel).StreamLogs(iter(requests.get, None))
    try:
        next(call)  # the stream is open and answering
        assert value(scrape(observed), "kubecommit_open_streams", **LOGS) == 1
    finally:
        call.cancel()
        requests.put(None)
    deadline = time.monotonic() + 10
    while value(scrape(observed), "kubecommit_open_streams", **LOGS) != 0:
        assert time.monotonic() < deadline, "the cancelled stream is still counted"
        time.sleep(0.05)


def test_job_runs_are_counted(server_factory: Callable[..., EmbeddedServer]) -> None:
    """A job scheduled every second (the samplers) shows up as runs with their outcome."""
    embedded = server_factory(metrics_listen="127.0.0.1:0", jobs_enabled=True, jobs_tick_seconds=0.1,
                              sample_schedule="every 1s", drift_recorder_schedule="every 1h", backup_schedule="",
                              health_schedule="every 1h")
    try:
        deadline = time.monotonic() + 20
        while value(samples := scrape(embedded), "kubecommit_job_runs_total",
                    job="samplers", outcome="succeeded") < 2:
            assert time.monotonic() < deadline, "no sampler runs were counted"
            time.sleep(0.1)
        assert value(samples, "kubecommit_job_duration_seconds_count", job="samplers") >= 2
    finally:
        embedded.stop()  # its jobs must not keep running beside later tests
