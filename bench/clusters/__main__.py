"""Benchmark of ClustersService: ``python -m bench.clusters`` (``make bench-clusters``).

1. SyncCluster of a kubesim cluster holding ``--objects`` (10,000) objects through a real gRPC
   channel: objects/s and the time split between API reads and the store write; then a second
   sync of the unchanged cluster (no commit).
2. CheckClustersHealth over ``--clusters`` (20) clusters, 19 simulators and one that accepts
   connections and never answers: wall time against the slowest healthy cluster checked alone
   and against the per-cluster timeout.
Rewrites its own section of docs/benchmarks.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import grpc
from google.protobuf import duration_pb2

from bench.sections import replace_section
from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.embedded import EmbeddedServer
from server.runtime import ADMIN_TOKEN_FILE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN clusters-bench -->", "<!-- END clusters-bench -->"


def fill(sim: Simulator, objects: int, namespaces: int = 20) -> None:
    """ConfigMaps of ~1 KB spread over namespaces, written straight into the simulator's state."""
    def put(cluster) -> None:
        for n in range(namespaces):
            cluster.put_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-{n}"}})
        for i in range(objects):
            cluster.put_object({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": f"config-{i}", "namespace": f"bench-{i % namespaces}",
                                             "labels": {"app": f"app-{i % 100}"}},
                                "data": {f"key-{k}": f"value-{i}-{k}-" + "x" * 80 for k in range(8)}})
    sim.call(put)


def stub_for(embedded: EmbeddedServer) -> clusters_pb2_grpc.ClustersServiceStub:
    token = (embedded.settings.data_dir / ADMIN_TOKEN_FILE).read_text().strip()
    channel = grpc.insecure_channel(embedded.address, options=[("grpc.max_receive_message_length", 64 << 20)])
    intercepted = grpc.intercept_channel(channel, _Bearer(token))
    return clusters_pb2_grpc.ClustersServiceStub(intercepted)


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def _add(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(details._replace(metadata=[*(details.metadata or ()), self.header]), request)

    intercept_unary_unary = intercept_unary_stream = _add


def register(stub: clusters_pb2_grpc.ClustersServiceStub, cluster_id: str, kubeconfig: str) -> None:
    stub.CreateCluster(pb.CreateClusterRequest(cluster_id=cluster_id, allow_disconnected=True,
                                               cluster=pb.Cluster(kubeconfig=kubeconfig)))


def sync(stub: clusters_pb2_grpc.ClustersServiceStub, name: str) -> tuple[float, pb.SyncResult]:
    started = time.perf_counter()
    result = [e.result for e in stub.SyncCluster(pb.SyncClusterRequest(name=name)) if e.HasField("result")][0]
    return time.perf_counter() - started, result


def bench_sync(stub: clusters_pb2_grpc.ClustersServiceStub, objects: int) -> list[str]:
    with Simulator(seed=True, log_interval=None) as sim:
        fill(sim, objects)
        register(stub, "big", sim.kubeconfig_text())
        wall, result = sync(stub, "clusters/big")
        again, unchanged = sync(stub, "clusters/big")
    read = result.read_duration.ToTimedelta().total_seconds()
    write = result.write_duration.ToTimedelta().total_seconds()
    assert result.commit and not unchanged.commit
    return [
        f"| SyncCluster, {result.objects_read:,} objects ({objects:,} ConfigMaps + demo), first sync | "
        f"{wall:.2f} s | {result.objects_read / wall:,.0f} objects/s | API reads {read:.2f} s "
        f"({100 * read / wall:.0f}%), store write {write:.2f} s ({100 * write / wall:.0f}%) | one commit |",
        f"| SyncCluster again, nothing changed | {again:.2f} s | {unchanged.objects_read / again:,.0f} objects/s | "
        f"API reads {unchanged.read_duration.ToTimedelta().total_seconds():.2f} s, store compare "
        f"{unchanged.write_duration.ToTimedelta().total_seconds():.2f} s | no commit |",
    ]


def bench_health(stub: clusters_pb2_grpc.ClustersServiceStub, clusters: int, timeout: float) -> list[str]:
    sims = [Simulator(seed=True, log_interval=None).start() for _ in range(clusters - 1)]
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    try:
        for i, sim in enumerate(sims):
            register(stub, f"c{i:02d}", sim.kubeconfig_text())
        register(stub, "hung", f"""apiVersion: v1
kind: Config
current-context: hung
clusters: [{{name: hung, cluster: {{server: "http://127.0.0.1:{hole.getsockname()[1]}"}}}}]
users: [{{name: hung, user: {{}}}}]
contexts: [{{name: hung, context: {{cluster: hung, user: hung}}}}]
""")
        alone = []
        for i in range(len(sims)):
            started = time.perf_counter()
            stub.GetClusterHealth(pb.GetClusterHealthRequest(name=f"clusters/c{i:02d}/health"))
            alone.append(time.perf_counter() - started)
        names = [f"clusters/c{i:02d}" for i in range(len(sims))] + ["clusters/hung"]
        started = time.perf_counter()
        response = stub.CheckClustersHealth(pb.CheckClustersHealthRequest(
            names=names, timeout=duration_pb2.Duration(nanos=int(timeout * 1e9) % 10**9, seconds=int(timeout)),
            max_concurrency=clusters))
        wall = time.perf_counter() - started
    finally:
        hole.close()
        for sim in sims:
            sim.stop()
    hung = [r for r in response.results if r.name == "clusters/hung/health"][0]
    assert hung.issues[0].reason == "ClusterUnreachable"
    return [f"| CheckClustersHealth, {clusters} clusters ({clusters - 1} kubesim + 1 never answering), "
            f"timeout {timeout:g} s, concurrency {clusters} | {wall:.2f} s | slowest healthy cluster alone "
            f"{max(alone):.2f} s (sum of all alone {sum(alone):.2f} s) | {wall / timeout:.2f}x the timeout | "
            f"the hung one: {hung.issues[0].message} |"]


def write_docs(rows: list[str]) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join([
        BEGIN, "## clusters (`make bench-clusters` = `python -m bench.clusters`)", "",
        f"Last run: {when}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, kubesim in the same process "
        f"(its HTTP server shares the machine). Written by the benchmark; do not edit by hand.", "",
        "| measure | wall | rate / baseline | split | notes |", "| --- | --- | --- | --- | --- |",
        *rows, END])
    replace_section(DOCS, BEGIN, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        settings = Settings.load(env={}, overrides={"data_dir": data, "listen": "127.0.0.1:0",
                                                    "log_level": "WARNING", "cluster_timeout_seconds": 30})
        with EmbeddedServer(settings) as embedded:
            stub = stub_for(embedded)
            rows = bench_sync(stub, args.objects) + bench_health(stub, args.clusters, args.timeout)
    print("\n".join(rows))
    if not args.no_docs:
        write_docs(rows)


if __name__ == "__main__":
    main()
